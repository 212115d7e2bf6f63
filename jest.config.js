/** Unit specs beside the code (apps/, libs/) and end-to-end / fault tests in test/. All talk to real Redis. */
const moduleNameMapper = {
  '^@rpg/(.*)$': '<rootDir>/libs/$1/src',
};
const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    {
      tsconfig: 'tsconfig.json',
      // the @nestjs/swagger CLI plugin, as in `nest build`, so /docs-json in tests matches production
      astTransformers: { before: [{ path: '@nestjs/swagger/plugin', options: { introspectComments: true, classValidatorShim: true, dtoFileNameSuffix: ['.dto.ts'] } }] },
      diagnostics: { warnOnly: false },
    },
  ],
};
const common = { testEnvironment: 'node', moduleNameMapper, transform, moduleFileExtensions: ['ts', 'js', 'json'] };
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], testTimeout: 60_000 },
  ],
};
