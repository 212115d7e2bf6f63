export * from './providers.module';
export * from './usecases/lookup-targets/lookup-targets.usecase';
export * from './usecases/lookup-targets/lookup-targets.command';
export * from './provider-availability';
