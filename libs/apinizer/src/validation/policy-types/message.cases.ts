/** Valid and invalid policies of the message policy types (./message.table.ts). */
import { expect } from '@jest/globals';
import { TypeCase, header } from '../testing/policy-type-cases';

export const MESSAGE_CASES: TypeCase[] = [
  {
    type: 'policy-script',
    valid: { type: 'policy-script', executionType: 'SYNC', scriptLanguage: 'GROOVY', scriptBody: 'return true' },
    alsoValid: [{ name: 'executionType omitted ([conflict])', edit: (p) => delete p.executionType }],
    invalid: [
      { name: 'bad language', edit: (p) => (p.scriptLanguage = 'PYTHON'), path: 'scriptLanguage', message: 'must be one of GROOVY, JAVASCRIPT' },
      { name: 'bad executionType', edit: (p) => (p.executionType = 'LATER'), path: 'executionType', message: 'must be one of SYNC, ASYNC' },
      { name: 'missing body', edit: (p) => delete p.scriptBody, path: 'scriptBody', message: 'is required for policy-script' },
      { name: 'blank body', edit: (p) => (p.scriptBody = '  '), path: 'scriptBody', message: 'must not be empty' },
    ],
  },
  {
    type: 'policy-json-schema-validation',
    valid: {
      type: 'policy-json-schema-validation',
      pathForBody: '$',
      schemaDefinitionList: [{ schemaBody: '{"type":"object"}', schemaNo: 0, rootSchema: true }],
    },
    invalid: [
      { name: 'empty schema list', edit: (p) => (p.schemaDefinitionList = []), path: 'schemaDefinitionList', message: 'must contain at least one item' },
      {
        name: 'schemaBody not JSON',
        edit: (p) => (p.schemaDefinitionList[0].schemaBody = '{not json'),
        path: 'schemaDefinitionList[0].schemaBody',
        message: 'must be valid JSON',
      },
      {
        name: 'missing schemaBody',
        edit: (p) => delete p.schemaDefinitionList[0].schemaBody,
        path: 'schemaDefinitionList[0].schemaBody',
        message: 'is required',
      },
      { name: 'missing pathForBody', edit: (p) => delete p.pathForBody, path: 'pathForBody', message: 'is required for policy-json-schema-validation' },
      {
        name: 'negative schemaNo',
        edit: (p) => (p.schemaDefinitionList[0].schemaNo = -1),
        path: 'schemaDefinitionList[0].schemaNo',
        message: 'must be an integer >= 0',
      },
    ],
  },
  {
    type: 'policy-api-call',
    valid: {
      type: 'policy-api-call',
      callType: 'SYNCHRONOUS',
      httpMethod: 'POST',
      url: 'https://api.example.com/validate',
      timeout: 5000,
      certificateEnabled: false,
      removeAllHeadersBeforeCall: true,
      headersToBeAddedBeforeCallList: [
        { name: 'Content-Type', valueSource: 'VALUE', value: 'application/json', prefix: null },
        { name: 'Authorization', valueSource: 'VARIABLE', variable: header('Authorization'), prefix: 'BEARER' },
      ],
      parametersToBeAddedBeforeCallList: [{ name: 'apiKey', valueSource: 'VALUE', value: 'k' }],
      dataManipulationListBeforeCall: [],
      enableCache: true,
      cacheBy: header('Authorization'),
      capacity: 1000,
      ttl: 3600,
      cacheStorageType: 'DISTRIBUTED',
      afterCallBodyOperationType: 'REPLACE_BODY',
      newBodyContentSourceType: null,
    },
    alsoValid: [
      { name: 'certificateName given', edit: (p) => ((p.certificateEnabled = true), (p.certificateName = 'client-cert')) },
      { name: 'certificateId given ([conflict])', edit: (p) => ((p.certificateEnabled = true), (p.certificateId = 'abc')) },
      { name: 'ONE_WAY without cache', edit: (p) => ((p.callType = 'ONE_WAY'), (p.enableCache = false), delete p.ttl) },
    ],
    invalid: [
      { name: 'cache without ttl', edit: (p) => delete p.ttl, path: 'ttl', message: 'is required when enableCache is true' },
      { name: 'cache with zero capacity', edit: (p) => (p.capacity = 0), path: 'capacity', message: 'must be an integer > 0' },
      { name: 'cache on ONE_WAY', edit: (p) => (p.callType = 'ONE_WAY'), path: 'callType', message: 'must be SYNCHRONOUS when enableCache is true' },
      {
        name: 'certificate without name',
        edit: (p) => (p.certificateEnabled = true),
        path: 'certificateName',
        message: 'is required when certificateEnabled is true',
      },
      {
        name: 'VARIABLE header without variable',
        edit: (p) => delete p.headersToBeAddedBeforeCallList[1].variable,
        path: 'headersToBeAddedBeforeCallList[1].variable',
        message: 'is required when valueSource is VARIABLE',
      },
      {
        name: 'bad header prefix',
        edit: (p) => (p.headersToBeAddedBeforeCallList[1].prefix = 'TOKEN'),
        path: 'headersToBeAddedBeforeCallList[1].prefix',
        message: 'must be one of NONE, BASIC, BEARER, DIGEST',
      },
      {
        name: 'bad httpMethod',
        edit: (p) => (p.httpMethod = 'FETCH'),
        path: 'httpMethod',
        message: 'must be one of GET, POST, PUT, DELETE, PATCH, OPTIONS, HEAD, TRACE',
      },
      { name: 'missing url', edit: (p) => delete p.url, path: 'url', message: 'is required for policy-api-call' },
      { name: 'bad callType', edit: (p) => (p.callType = 'ASYNC'), path: 'callType', message: 'must be one of SYNCHRONOUS, ONE_WAY' },
      {
        name: 'data manipulation without targetName',
        edit: (p) => (p.dataManipulationListBeforeCall = [{ operation: 'ADD' }]),
        path: 'dataManipulationListBeforeCall[0].targetName',
        message: 'is required',
      },
    ],
  },
  {
    type: 'policy-redaction',
    valid: {
      type: 'policy-redaction',
      redactionDefList: [
        {
          redactionType: 'KEY_EXISTENCE',
          keyValueVar: header('X-Credit-Card'),
          keyValueListStr: null,
          redactionDefDetailList: [
            { orderNum: 1, action: { actionType: 'DELETE', sourceVar: header('X-Credit-Card'), sourceDataType: 'STRING', operator: null } },
          ],
        },
        {
          redactionType: 'KEY_VALUE',
          keyValueVar: { type: 'BODY', bodyJsonPath: '$.creditCard' }, // per-page BODY shape
          keyValueListStr: '4111111111111111,5555555555554444',
          redactionDefDetailList: [
            {
              orderNum: 1,
              action: {
                actionType: 'MODIFY',
                sourceVar: { type: 'BODY', messageContentType: 'JSON', jsonPathValue: '$.creditCard' },
                sourceDataType: 'STRING',
                operator: 'MASK',
                maskFrom: 4,
                maskTo: 12,
                targetValSource: 'VALUE',
                targetVal: '****',
              },
            },
          ],
        },
        { redactionType: 'ROLE', redactionDefDetailList: [{ orderNum: 1, action: { actionType: 'DELETE', sourceVar: header('X-Secret') } }] },
      ],
    },
    invalid: [
      { name: 'empty def list', edit: (p) => (p.redactionDefList = []), path: 'redactionDefList', message: 'must contain at least one item' },
      {
        name: 'bad actionType',
        edit: (p) => (p.redactionDefList[0].redactionDefDetailList[0].action.actionType = 'HIDE'),
        path: 'redactionDefList[0].redactionDefDetailList[0].action.actionType',
        message: 'must be one of MODIFY, DELETE',
      },
      {
        name: 'MODIFY without operator',
        edit: (p) => delete p.redactionDefList[1].redactionDefDetailList[0].action.operator,
        path: 'redactionDefList[1].redactionDefDetailList[0].action.operator',
        message: 'is required when actionType is MODIFY',
      },
      {
        name: 'MODIFY VALUE without targetVal',
        edit: (p) => delete p.redactionDefList[1].redactionDefDetailList[0].action.targetVal,
        path: 'redactionDefList[1].redactionDefDetailList[0].action.targetVal',
        message: 'is required when targetValSource is VALUE',
      },
      {
        name: 'DELETE without sourceVar',
        edit: (p) => delete p.redactionDefList[0].redactionDefDetailList[0].action.sourceVar,
        path: 'redactionDefList[0].redactionDefDetailList[0].action.sourceVar',
        message: 'is required when actionType is DELETE',
      },
      {
        name: 'KEY_VALUE without keyValueListStr',
        edit: (p) => (p.redactionDefList[1].keyValueListStr = ''),
        path: 'redactionDefList[1].keyValueListStr',
        message: 'is required when redactionType is KEY_VALUE',
      },
      {
        name: 'KEY_EXISTENCE without keyValueVar',
        edit: (p) => delete p.redactionDefList[0].keyValueVar,
        path: 'redactionDefList[0].keyValueVar',
        message: 'is required when redactionType is KEY_EXISTENCE',
      },
      {
        name: 'empty detail list',
        edit: (p) => (p.redactionDefList[0].redactionDefDetailList = []),
        path: 'redactionDefList[0].redactionDefDetailList',
        message: 'must contain at least one item',
      },
      {
        name: 'orderNum 0',
        edit: (p) => (p.redactionDefList[0].redactionDefDetailList[0].orderNum = 0),
        path: 'redactionDefList[0].redactionDefDetailList[0].orderNum',
        message: 'must be an integer > 0',
      },
      {
        name: 'missing action',
        edit: (p) => delete p.redactionDefList[0].redactionDefDetailList[0].action,
        path: 'redactionDefList[0].redactionDefDetailList[0].action',
        message: 'is required',
      },
    ],
  },
  {
    type: 'policy-content-filter',
    valid: {
      type: 'policy-content-filter',
      policyContentFilterDefList: [
        { name: 'sql', ruleValue: '(?i)select\\s', headerActive: false, bodyActive: true, paramActive: true, action: 'BLOCK', contentType: 'ALL_BODY' },
      ],
    },
    invalid: [
      {
        name: 'empty list',
        edit: (p) => (p.policyContentFilterDefList = []),
        path: 'policyContentFilterDefList',
        message: 'must contain at least one item',
      },
      {
        name: 'missing ruleValue',
        edit: (p) => delete p.policyContentFilterDefList[0].ruleValue,
        path: 'policyContentFilterDefList[0].ruleValue',
        message: 'is required',
      },
      {
        name: 'bad action',
        edit: (p) => (p.policyContentFilterDefList[0].action = 'ALLOW'),
        path: 'policyContentFilterDefList[0].action',
        message: 'must be one of BLOCK, DELETE',
      },
      {
        name: 'bad contentType',
        edit: (p) => (p.policyContentFilterDefList[0].contentType = 'YAML'),
        path: 'policyContentFilterDefList[0].contentType',
        message: 'must be one of XML, JSON, ALL_BODY',
      },
    ],
  },
  {
    type: 'policy-business-rule',
    valid: {
      type: 'policy-business-rule',
      actionList: [
        {
          actionType: 'ADD',
          sourceVar: { type: 'CONTEXT_VALUES', contextValue: 'NOW' },
          sourceDataType: 'STRING',
          targetValSource: 'VALUE',
          targetVal: '${NOW}',
          targetVar: header('X-Timestamp'),
        },
        {
          actionType: 'MODIFY',
          sourceVar: { type: 'BODY', bodyJsonPath: '$.creditCard' },
          sourceDataType: 'STRING',
          operator: 'MASK',
          maskFrom: 4,
          targetValSource: 'VALUE',
          targetVal: '',
        },
        { actionType: 'DELETE', sourceVar: header('X-Internal') },
        { actionType: 'STOP' },
      ],
    },
    invalid: [
      { name: 'empty actionList', edit: (p) => (p.actionList = []), path: 'actionList', message: 'must contain at least one item' },
      {
        name: 'ADD without targetVar',
        edit: (p) => delete p.actionList[0].targetVar,
        path: 'actionList[0].targetVar',
        message: 'is required when actionType is ADD',
      },
      {
        name: 'bad actionType',
        edit: (p) => (p.actionList[3].actionType = 'NOOP'),
        path: 'actionList[3].actionType',
        message: 'must be one of ADD, MODIFY, DELETE, STOP',
      },
      {
        name: 'MODIFY without sourceDataType',
        edit: (p) => delete p.actionList[1].sourceDataType,
        path: 'actionList[1].sourceDataType',
        message: 'is required when actionType is MODIFY',
      },
      {
        name: 'bad operator',
        edit: (p) => (p.actionList[1].operator = 'SCRAMBLE'),
        path: 'actionList[1].operator',
        message: expect.stringMatching(/^must be one of ADD, SUBTRACT, .*SUBTRACT_TEMPORAL$/) as unknown as string,
      },
      {
        name: 'VARIABLE source without targetVar',
        edit: (p) => ((p.actionList[1].targetValSource = 'VARIABLE'), delete p.actionList[1].targetVal),
        path: 'actionList[1].targetVar',
        message: 'is required when targetValSource is VARIABLE',
      },
      {
        name: 'DELETE without sourceVar',
        edit: (p) => delete p.actionList[2].sourceVar,
        path: 'actionList[2].sourceVar',
        message: 'is required when actionType is DELETE',
      },
    ],
  },
  {
    type: 'policy-json-transformation',
    valid: { type: 'policy-json-transformation', transformationType: 'JSON2JSON', joltValue: '[{"operation":"shift","spec":{"a":"b"}}]' },
    alsoValid: [{ name: 'JSON2XML without jolt', edit: (p) => ((p.transformationType = 'JSON2XML'), delete p.joltValue) }],
    invalid: [
      { name: 'JSON2JSON without jolt', edit: (p) => delete p.joltValue, path: 'joltValue', message: 'is required when transformationType is JSON2JSON' },
      {
        name: 'default type without jolt',
        edit: (p) => (delete p.transformationType, (p.joltValue = '')),
        path: 'joltValue',
        message: 'is required when transformationType is JSON2JSON',
      },
      { name: 'bad type', edit: (p) => (p.transformationType = 'XML2JSON'), path: 'transformationType', message: 'must be one of JSON2JSON, JSON2XML' },
    ],
  },
  {
    type: 'policy-xml-schema-validation',
    valid: { type: 'policy-xml-schema-validation', validateAgainstSpec: true },
    invalid: [
      {
        name: 'no spec and no schemas',
        edit: (p) => (p.validateAgainstSpec = false),
        path: 'schemaDefinitionList',
        message: 'is required when validateAgainstSpec is false',
      },
    ],
  },
  {
    type: 'policy-xml-transformation',
    valid: { type: 'policy-xml-transformation', transformationType: 'XML2XML', xsltValue: '<xsl:stylesheet/>' },
    invalid: [{ name: 'XML2XML without xslt', edit: (p) => delete p.xsltValue, path: 'xsltValue', message: 'is required when transformationType is XML2XML' }],
  },
];
