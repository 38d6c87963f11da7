import type * as t from 'io-ts'
import {checkOrDecode, KeyedLines, readLines} from '../../common/index.js'
import {
  Agent,
  customerEmails,
  customerName,
  customerPhones,
  KeyedExportCustomer,
  Topic,
  type CustomerProfile,
  type ExportJob,
  type ExportCustomer,
} from '../codecs.js'
import {parseLine, type MalformedLine} from './job-files.js'

/** What the importer uses of a customer profile, from `customers.jsonl` or from the API. */
export interface CustomerSummary {
  readonly id: string
  readonly name?: string
  /** Primary first. */
  readonly emails: readonly string[]
  /** E.164 where Gladly normalized them, primary first. */
  readonly phones?: readonly string[]
  readonly address?: string
  /** The legacy lookup adaptor's id (before 2021-05-12). */
  readonly externalCustomerId?: string
  readonly externalCustomerIds?: Readonly<Record<string, string>>
  /** Only the API's profile has them (and a creation time): undefined for a customer of `customers.jsonl`. */
  readonly customAttributes?: Readonly<Record<string, unknown>>
  readonly createdAt?: string
}

/** Customers by id: the job's file, or none (the backfill has no file). */
export interface CustomerLookup {
  get(customerId: string): CustomerSummary | undefined
}

const CUSTOMERS_FILE = 'customers.jsonl'

const text = (value: string | undefined) => (value?.trim() ? value.trim() : undefined)

function summaryBase(id: string, customer: CustomerProfile | ExportCustomer): CustomerSummary {
  return {
    id,
    name: customerName(customer),
    emails: customerEmails(customer),
    phones: customerPhones(customer),
    address: text(customer.address),
    externalCustomerId: text(customer.externalCustomerId),
    externalCustomerIds: customer.externalCustomerIds ?? {},
  }
}

/** A profile of `GET /customer-profiles/{id}`: the whole of it, custom attributes and creation time included. */
export function summarizeProfile(id: string, profile: CustomerProfile): CustomerSummary {
  return {
    ...summaryBase(id, profile),
    customAttributes: profile.customAttributes ?? {},
    ...(profile.createdAt === undefined ? {} : {createdAt: profile.createdAt}),
  }
}

const summaryOf = (customer: KeyedExportCustomer): CustomerSummary => summaryBase(customer.id, customer)

function customerOf(text: string): KeyedExportCustomer | undefined {
  const decoded = checkOrDecode(KeyedExportCustomer, JSON.parse(text), 'customer')
  return decoded._tag === 'Right' ? decoded.right : undefined
}

/**
 * The customers of a job's `customers.jsonl`, read from the file when a conversation needs one. A
 * large export has as many customers as conversations: only where each line starts stays in memory.
 * Holds the file open once read from: close it before the job's files are removed.
 */
export class CustomerFile implements CustomerLookup {
  private constructor(private readonly lines: KeyedLines<KeyedExportCustomer>) {}

  /** No customers file: every customer is looked up through the API. */
  static readonly none = new CustomerFile(new KeyedLines('', customerOf, (customer) => customer.id))

  /** Indexes the file; a line that is not a customer goes to `malformed` (a repeated id: the last line wins). */
  static async index(path: string, jobId: string, malformed: MalformedLine[]): Promise<CustomerFile> {
    const lines = new KeyedLines(path, customerOf, (customer) => customer.id)
    for await (const {value, offset} of decodedLines(path, CUSTOMERS_FILE, jobId, KeyedExportCustomer, malformed))
      lines.set(value.id, offset)
    return new CustomerFile(lines)
  }

  get(customerId: string): CustomerSummary | undefined {
    // Every indexed line was decoded once; should the file be gone or changed since, the directory asks the API instead.
    try {
      const customer = this.lines.get(customerId)
      return customer === undefined ? undefined : summaryOf(customer)
    } catch {
      return undefined
    }
  }

  close(): void {
    this.lines.close()
  }
}

export interface JobLookups {
  readonly agents: readonly Agent[]
  readonly topics: readonly Topic[]
  readonly customers: CustomerFile
  readonly malformed: readonly MalformedLine[]
}

/** The lines of a job's file that decode with `codec`, with where each starts; the others go to `malformed`. */
async function* decodedLines<A>(
  path: string,
  file: string,
  jobId: string,
  codec: t.Type<A, unknown, unknown>,
  malformed: MalformedLine[],
): AsyncGenerator<{value: A; offset: number}> {
  for await (const {number, offset, text} of readLines(path)) {
    if (text.trim() === '') continue
    const parsed = parseLine(text, number, file, jobId, codec)
    if ('reason' in parsed) malformed.push(parsed)
    else yield {value: parsed.value, offset}
  }
}

/** The job's agents, topics and customers (each file holds the ones its window refers to). */
export async function readLookups(job: ExportJob, files: ReadonlyMap<string, string>): Promise<JobLookups> {
  const malformed: MalformedLine[] = []
  const read = async <A>(name: string, codec: t.Type<A, unknown, unknown>) => {
    const path = files.get(name)
    const values: A[] = []
    if (path !== undefined)
      for await (const {value} of decodedLines(path, name, job.id, codec, malformed)) values.push(value)
    return values
  }
  const agents = await read('agents.jsonl', Agent)
  const topics = await read('topics.jsonl', Topic)
  const customersPath = files.get(CUSTOMERS_FILE)
  const customers =
    customersPath === undefined ? CustomerFile.none : await CustomerFile.index(customersPath, job.id, malformed)
  return {agents, topics, customers, malformed}
}
