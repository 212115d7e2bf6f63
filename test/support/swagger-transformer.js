// The @nestjs/swagger CLI plugin for ts-jest (as `nest build` applies it), so /docs-json in tests matches production.
const plugin = require('@nestjs/swagger/plugin');

module.exports.name = 'nestjs-swagger-transformer';
module.exports.version = 1;
module.exports.factory = (cs) => plugin.before({ introspectComments: true, classValidatorShim: true, dtoFileNameSuffix: ['.dto.ts'] }, cs.program);
