/** Unit specs beside the code (apps/, libs/) and end-to-end / fault tests in test/. All talk to real Redis. */
const moduleNameMapper = {
  '^@rpg/(.*)$': '<rootDir>/libs/$1/src',
  // libs/client is also an ES module package (a browser loads its build as it is), so its relative imports name the
  // .js file; Jest runs the .ts source, which this finds (a .js file still resolves to itself when no .ts sits beside it)
  '^(\\.{1,2}/.*)\\.js$': '$1',
};
const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    {
      tsconfig: 'tsconfig.json',
      astTransformers: { before: ['<rootDir>/test/support/swagger-transformer.js'] },
      diagnostics: { warnOnly: false },
    },
  ],
};
// @fastify/static (Swagger UI assets) pulls in ESM-only packages: transpile just those to CommonJS for Jest
transform['^.+\\.m?js$'] = ['ts-jest', { tsconfig: { allowJs: true, module: 'commonjs', target: 'ES2022', esModuleInterop: true }, isolatedModules: true }];
const ESM_ONLY = [
  '@bull-board',
  '@fastify/static',
  'glob',
  'content-disposition',
  'minimatch',
  'path-scurry',
  'lru-cache',
  'minipass',
  'jackspeak',
  '@isaacs',
  'package-json-from-dist',
  'balanced-match',
  'brace-expansion',
  'foreground-child',
  'signal-exit',
];
const transformIgnorePatterns = [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`];
const common = { testEnvironment: 'node', moduleNameMapper, transform, transformIgnorePatterns, moduleFileExtensions: ['ts', 'js', 'mjs', 'json'] };
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/apps/**/*.spec.ts', '<rootDir>/libs/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
  ],
  testTimeout: 60_000,
};
