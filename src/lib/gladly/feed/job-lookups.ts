import type * as t from 'io-ts'
import {checkOrDecode, LineFile, OffsetIndex, readLineChunks, readLines} from '../../common/index.js'
import {Agent, customerEmails, customerName, ExportCustomer, Topic, type ExportJob} from '../codecs.js'
import {parseLine, type MalformedLine} from './job-files.js'

export interface CustomerSummary {
  readonly id: string
  readonly name?: string
  readonly emails: readonly string[]
}

/** Customers by id: the job's file, or none (the backfill has no file). */
export interface CustomerLookup {
  get(customerId: string): CustomerSummary | undefined
}

const CUSTOMERS_FILE = 'customers.jsonl'

function summaryOf(customer: ExportCustomer): CustomerSummary {
  return {id: customer.id, name: customerName(customer), emails: customerEmails(customer)}
}

/**
 * The customers of a job's `customers.jsonl`, read from the file when a conversation needs one. A
 * large export has as many customers as conversations: only where each line starts stays in memory.
 * Holds the file open once read from: close it before the job's files are removed.
 */
export class CustomerFile implements CustomerLookup {
  private readonly file: LineFile

  private constructor(
    path: string,
    private readonly lines: OffsetIndex,
  ) {
    this.file = new LineFile(path)
  }

  static readonly none = new CustomerFile('', new OffsetIndex())

  /** Indexes the file; a line that is not a customer goes to `malformed` (a repeated id: the last line wins). */
  static async index(path: string, jobId: string, malformed: MalformedLine[]): Promise<CustomerFile> {
    const customers = new CustomerFile(path, new OffsetIndex())
    for await (const {buffer, offset, firstLine, bounds} of readLineChunks(path)) {
      for (let index = 0; index < bounds.length; index += 2) {
        const start = bounds[index] as number
        const text = buffer.toString('utf8', start, bounds[index + 1])
        if (text.trim() === '') continue
        const parsed = parseLine(text, firstLine + index / 2, CUSTOMERS_FILE, jobId, ExportCustomer)
        if ('reason' in parsed) malformed.push(parsed)
        else customers.indexLine(parsed.value.id, offset + start)
      }
    }
    return customers
  }

  get(customerId: string): CustomerSummary | undefined {
    const found = this.find(customerId)
    return found === undefined ? undefined : summaryOf(found.customer)
  }

  close(): void {
    this.file.close()
  }

  private indexLine(customerId: string, offset: number): void {
    const found = this.find(customerId)
    if (found === undefined) this.lines.add(customerId, offset)
    else this.lines.replace(found.slot, offset)
  }

  private find(customerId: string): {slot: number; customer: ExportCustomer} | undefined {
    for (const {slot, offset} of this.lines.candidates(customerId)) {
      const customer = this.read(offset)
      if (customer?.id === customerId) return {slot, customer}
    }
    return undefined
  }

  // Every indexed line was decoded once; should the file have changed since, the directory asks the API instead.
  private read(offset: number): ExportCustomer | undefined {
    try {
      const decoded = checkOrDecode(ExportCustomer, JSON.parse(this.file.lineAt(offset)), 'customer')
      return decoded._tag === 'Right' ? decoded.right : undefined
    } catch {
      return undefined
    }
  }
}

export interface JobLookups {
  readonly agents: readonly Agent[]
  readonly topics: readonly Topic[]
  readonly customers: CustomerFile
  readonly malformed: readonly MalformedLine[]
}

async function readDecoded<A>(path: string, file: string, jobId: string, codec: t.Type<A, unknown, unknown>, malformed: MalformedLine[]): Promise<A[]> {
  const values: A[] = []
  for await (const {number, text} of readLines(path)) {
    if (text.trim() === '') continue
    const parsed = parseLine(text, number, file, jobId, codec)
    if ('reason' in parsed) malformed.push(parsed)
    else values.push(parsed.value)
  }
  return values
}

/** The job's agents, topics and customers (each file holds the ones its window refers to). */
export async function readLookups(job: ExportJob, files: ReadonlyMap<string, string>): Promise<JobLookups> {
  const malformed: MalformedLine[] = []
  const read = async <A>(name: string, codec: t.Type<A, unknown, unknown>) => {
    const path = files.get(name)
    return path === undefined ? [] : readDecoded(path, name, job.id, codec, malformed)
  }
  const agents = await read('agents.jsonl', Agent)
  const topics = await read('topics.jsonl', Topic)
  const customersPath = files.get(CUSTOMERS_FILE)
  const customers = customersPath === undefined ? CustomerFile.none : await CustomerFile.index(customersPath, job.id, malformed)
  return {agents, topics, customers, malformed}
}
