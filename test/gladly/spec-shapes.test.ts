import {expect} from 'chai'
import {isLeft} from 'fp-ts/lib/Either.js'
import type * as t from 'io-ts'
import {readFileSync} from 'node:fs'
import {parse} from 'yaml'

import {decode} from '../../src/lib/common/decode.js'
import {
  Agent,
  Conversation,
  ConversationItem,
  ConversationItemList,
  ConversationList,
  CustomerProfile,
  CustomerProfileList,
  ExportCustomer,
  ExportJobList,
  ExportJobListing,
  Topic,
} from '../../src/lib/gladly/codecs.js'
import {reportRows, REPORT_METRIC_SET} from '../../src/lib/gladly/reports.js'

/*
 * Gladly's OpenAPI spec, read as it is rather than through fixtures, against the codecs: every example the spec gives
 * for a shape the importer reads, and the smallest instance each schema allows, must decode. A codec that refuses one
 * is stricter than the spec, unless the case is listed in EXPECTED_FAILURES with why.
 */

type Node = {readonly [key: string]: unknown}

const REPO_ROOT = new URL('../../', import.meta.url)
const spec = parse(readFileSync(new URL('../shared/reference/gladly-openapi.yml', REPO_ROOT), 'utf8')) as Node

const isNode = (u: unknown): u is Node => typeof u === 'object' && u !== null && !Array.isArray(u)

function node(u: unknown, what: string): Node {
  if (!isNode(u)) throw new Error(`the spec has no object at ${what}`)
  return u
}

/** What a local `$ref` points at: a JSON pointer in a URI fragment, so percent-encoded (`%7B`) as well as `~1`-escaped. */
function target(ref: string): Node {
  if (!ref.startsWith('#/')) throw new Error(`not a local $ref: ${ref}`)
  const tokens = ref
    .slice(2)
    .split('/')
    .map((token) => decodeURIComponent(token).replace(/~1/g, '/').replace(/~0/g, '~'))
  return node(
    tokens.reduce<unknown>((at, token) => (at as Node | undefined)?.[token], spec),
    ref,
  )
}

const requiredOf = (schema: Node): string[] =>
  Array.isArray(schema['required']) ? (schema['required'] as string[]) : []
const propertiesOf = (schema: Node): Node => (isNode(schema['properties']) ? schema['properties'] : {})

function merge(a: Node, b: Node): Node {
  const merged: Record<string, unknown> = {...a, ...b}
  if ('properties' in a || 'properties' in b) merged['properties'] = {...propertiesOf(a), ...propertiesOf(b)}
  if ('required' in a || 'required' in b) merged['required'] = [...requiredOf(a), ...requiredOf(b)]
  return merged
}

/** The schema with its `$ref` followed (keys beside the `$ref` kept) and its `allOf` merged into one schema. */
function flat(schema: unknown): Node {
  const {$ref, allOf, ...rest} = node(schema, 'a schema')
  const referenced = typeof $ref === 'string' ? merge(flat(target($ref)), rest) : rest
  return Array.isArray(allOf) ? [...allOf.map(flat), referenced].reduce(merge) : referenced
}

interface Instance {
  readonly label: string
  readonly value: unknown
}

const joined = (...labels: string[]) => labels.filter((label) => label !== '').join(', ')

/** The schema's `oneOf` branches, nested ones flattened, each labelled by its titles; a schema without one is its own. */
function branches(schema: unknown, label = ''): Array<{readonly label: string; readonly schema: Node}> {
  const flattened = flat(schema)
  const oneOf = flattened['oneOf']
  if (!Array.isArray(oneOf)) return [{label, schema: flattened}]
  return oneOf.flatMap((branch, index) => {
    const title = String(flat(branch)['title'] ?? `#${index}`)
    return branches(branch, label === '' ? title : `${label} › ${title}`)
  })
}

const TIMESTAMP_FORMAT = /date-time|RFC ?3339|ISO 8601/i

/** A value for a schema without properties: its example, else its first enum value, else its default, else a placeholder. */
function leaf(schema: Node): unknown {
  if ('example' in schema) return schema['example']
  if (Array.isArray(schema['enum'])) return schema['enum'][0]
  if ('default' in schema) return schema['default']
  switch (schema['type']) {
    case 'integer':
    case 'number':
      return 1
    case 'boolean':
      return false
    case 'object':
      return {}
    case 'array':
      return Number(schema['minItems'] ?? 0) > 0 ? [minimal(schema['items'])[0]?.value] : []
    default:
      return TIMESTAMP_FORMAT.test(String(schema['format'] ?? '')) ? '2026-01-01T00:00:00Z' : 'x'
  }
}

/** The smallest instances the schema allows: only `required` properties, recursively, one instance per `oneOf` branch. */
function minimal(schema: unknown): Instance[] {
  return branches(schema).flatMap(({label: branch, schema: flattened}) => {
    if (!('properties' in flattened || 'required' in flattened)) return [{label: branch, value: leaf(flattened)}]
    const properties = propertiesOf(flattened)
    return requiredOf(flattened).reduce<Instance[]>(
      (instances, key) =>
        instances.flatMap((instance) =>
          minimal(properties[key] ?? {}).map((property) => ({
            label: joined(instance.label, property.label === '' ? '' : `${key}: ${property.label}`),
            value: {...(instance.value as Node), [key]: property.value},
          })),
        ),
      [{label: branch, value: {}}],
    )
  })
}

/** A response's smallest instances; a list's are one-element lists, since the smallest list, [], would test nothing. */
function minimalResponses(schema: unknown): Instance[] {
  const flattened = flat(schema)
  if (flattened['type'] !== 'array')
    return minimal(flattened).map(({label, value}) => ({label: joined('minimal', label), value}))
  return minimal(flattened['items']).map(({label, value}) => ({
    label: joined('minimal element', label),
    value: [value],
  }))
}

/** Every example given for the response (`example`, named `examples`) or for its schema. */
function examples(media: Node): Instance[] {
  const schema = flat(media['schema'])
  const named = isNode(media['examples']) ? Object.entries(media['examples']) : []
  return [
    ...('example' in media ? [{label: 'example', value: media['example']}] : []),
    ...named.map(([name, example]) => ({label: `example "${name}"`, value: node(example, name)['value']})),
    ...('example' in schema ? [{label: 'schema example', value: schema['example']}] : []),
  ]
}

function operation(operationId: string): Node {
  for (const pathItem of Object.values(node(spec['paths'], 'paths'))) {
    for (const candidate of Object.values(node(pathItem, 'a path'))) {
      if (isNode(candidate) && candidate['operationId'] === operationId) return candidate
    }
  }
  throw new Error(`the spec has no operation ${operationId}`)
}

/** The media type of the success response: what the operation answers. */
function successMedia(operationId: string): Node {
  const responses = node(operation(operationId)['responses'], `${operationId} responses`)
  const content = node(
    node(responses['200'] ?? responses['201'], `${operationId} 200`)['content'],
    `${operationId} 200 content`,
  )
  return node(Object.values(content)[0], `${operationId} 200 media type`)
}

const RESPONSE_CODECS: ReadonlyArray<readonly [string, t.Mixed]> = [
  ['getConversationItems', ConversationItemList],
  ['getItem', ConversationItem],
  ['getConversation', Conversation],
  ['getConversations', ConversationList],
  ['getCustomer', CustomerProfile],
  ['findCustomers', CustomerProfileList],
  ['getJob', ExportJobListing],
  ['findJobs', ExportJobList],
]

/** getFile answers JSON lines: its schema has one `oneOf` branch per file, titled by the file's name, listing lines. */
const FILE_LINE_CODECS: ReadonlyArray<readonly [string, t.Mixed]> = [
  ['agents.jsonl', Agent],
  ['conversation_items.jsonl', ConversationItem],
  ['customers.jsonl', ExportCustomer],
  ['topics.jsonl', Topic],
]

/** getFile gives its examples only in its description: a fenced block of lines after each `**<file>**`. */
function describedLines(file: string): Instance[] {
  const description = String(operation('getFile')['description'])
  const block = new RegExp(`\\*\\*${file.replace('.', '\\.')}\\*\\*\\n\`\`\`\\n([^\`]*)\\n\`\`\``).exec(
    description,
  )?.[1]
  if (block === undefined) throw new Error(`getFile's description has no example of ${file}`)
  return block
    .split('\n')
    .map((line, index) => ({label: `description example line ${index + 1}`, value: JSON.parse(line)}))
}

interface Case extends Instance {
  readonly codec: t.Mixed
}

function responseCases(): Case[] {
  return RESPONSE_CODECS.flatMap(([operationId, codec]) => {
    const media = successMedia(operationId)
    return [...examples(media), ...minimalResponses(media['schema'])].map(({label, value}) => ({
      label: `${operationId} ${label}`,
      value,
      codec,
    }))
  })
}

function fileLineCases(): Case[] {
  const lineSchemas = new Map(branches(successMedia('getFile')['schema']).map(({label, schema}) => [label, schema]))
  return FILE_LINE_CODECS.flatMap(([file, codec]) => {
    const schema = lineSchemas.get(file)
    if (schema === undefined) throw new Error(`getFile's schema has no branch ${file}`)
    const minimalLines = minimal(schema['items']).map(({label, value}) => ({
      label: joined('minimal line', label),
      value,
    }))
    return [...describedLines(file), ...minimalLines].map(({label, value}) => ({
      label: `getFile ${file} ${label}`,
      value,
      codec,
    }))
  })
}

const CASES = new Map<string, Case>()
for (const generated of [...responseCases(), ...fileLineCases()]) {
  if (CASES.has(generated.label)) throw new Error(`two cases are labelled ${generated.label}`)
  CASES.set(generated.label, generated)
}

// The spec marks no field of these records required; the codecs require the id the importer keys each record on.
const KEYED_ON_ID = 'the spec leaves optional the id the importer keys the record on'

/**
 * The cases that must fail, with why and with the exact message, so that one failing for another reason, or decoding,
 * is caught. None is a typo of the spec: the one in these shapes, the `id":` and `type":` initiator keys of two
 * getConversationItems items, decodes, an initiator's `id` and `type` being optional.
 */
const EXPECTED_FAILURES: Readonly<Record<string, {readonly reason: string; readonly message: string}>> = {
  'getFile agents.jsonl minimal line': {reason: KEYED_ON_ID, message: 'id must be string, got nothing'},
  'getFile topics.jsonl minimal line': {
    reason: `${KEYED_ON_ID}, and the name it shows`,
    message: 'id must be string, got nothing; name must be string, got nothing',
  },
}

describe('gladly/codecs against the OpenAPI spec', () => {
  for (const [label, {codec, value}] of CASES) {
    const expected = EXPECTED_FAILURES[label]
    if (expected === undefined) {
      it(`decodes ${label}`, () => {
        const result = decode(codec, value, label)
        if (isLeft(result)) expect.fail(result.left.message)
      })
    } else {
      it(`refuses ${label}: ${expected.reason}`, () => {
        const result = decode(codec, value, label)
        expect(isLeft(result) && result.left.message).to.equal(`${label}: ${expected.message}`)
      })
    }
  }

  it('expects failures only of cases it generates', () => {
    expect(Object.keys(EXPECTED_FAILURES).filter((label) => !CASES.has(label))).to.deep.equal([])
  })

  it('generates one getItem instance per content branch, the nested chat branches included', () => {
    const contentTypes = [...CASES.values()]
      .filter(({label}) => label.startsWith('getItem minimal'))
      .map(({value}) => (value as {content: {type: string}}).content.type)
    expect(contentTypes).to.have.length(16)
    expect(contentTypes.filter((type) => type === 'CHAT_MESSAGE')).to.have.length(3)
  })

  describe('the conversation report', () => {
    // POST /reports has no operationId: it is found by its path.
    const reports = node(
      node(node(spec['paths'], 'paths')['/api/v1/reports'], '/api/v1/reports')['post'],
      'POST /api/v1/reports',
    )
    const request = node(
      node(node(reports['requestBody'], 'its request')['content'], 'its request content')['application/json'],
      'its JSON request',
    )
    const answer = node(
      node(node(reports['responses'], 'its responses')['200'], 'its 200')['content'],
      'its 200 content',
    )

    it('has no example to decode: the spec gives it only as binary CSV, the media type reports.ts reads', () => {
      expect(answer).to.deep.equal({'text/csv': {schema: {description: 'CSV report', format: 'binary'}}})
      const body = 'Conversation ID\r\nHXRqKC5GSV-jAlq0-sxYTA\r\n'
      const rows = reportRows(
        {status: 200, headers: {'content-type': 'text/csv'}, body},
        {startDay: '2019-05-01', endDay: '2019-05-01'},
      )
      expect(rows).to.deep.equal({_tag: 'Right', right: [{conversationId: 'HXRqKC5GSV-jAlq0-sxYTA'}]})
    })

    it(`asks for a metric set the spec names (${REPORT_METRIC_SET})`, () => {
      expect(propertiesOf(flat(request['schema']))['metricSet'])
        .to.have.property('enum')
        .that.includes(REPORT_METRIC_SET)
    })
  })
})
