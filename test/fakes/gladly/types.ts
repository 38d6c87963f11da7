// The JSON shapes the fake serves, as documented in Gladly's OpenAPI spec (see shared/reference/gladly-api.md §5).

type PartyType = 'AGENT' | 'API' | 'AUTOMATION' | 'CUSTOMER' | 'EXTERNAL' | 'INTERNAL' | 'SYSTEM'

export interface Party {
  id?: string
  type: PartyType
}

export interface Attachment {
  id: string
  contentType: string
  filename: string
  fileSize: number
}

/** `content` of a conversation item; `type` is open-ended because Gladly adds new kinds without notice. */
export interface ItemContent {
  type: string
  [field: string]: unknown
}

export interface ConversationItem {
  id: string
  conversationId?: string
  customerId: string
  sessionId?: string
  timestamp: string
  initiator?: Party
  responder?: Party
  content: ItemContent
}

export type ConversationStatus = 'CLOSED' | 'OPEN' | 'WAITING'

export interface Conversation {
  id: string
  customerId: string
  status: ConversationStatus
  createdAt: string
  closedAt?: string
  agentId?: string
  inboxId: string
  topicIds: string[]
  customAttributes: Array<{id: string; value: string}>
}

export interface CustomerProfile {
  id: string
  name: string
  image?: string
  address: string
  emails: Array<{normalized: string; original: string; primary: boolean}>
  phones: Array<{
    normalized: string
    original: string
    primary: boolean
    regionCode: string
    smsPreference: 'FORBIDDEN' | 'OFF' | 'ON'
    type: '' | 'HOME' | 'MOBILE' | 'OFFICE'
  }>
  externalCustomerId?: string
  externalCustomerIds?: Record<string, string>
  customAttributes: Record<string, string>
  createdAt: string
  updatedAt: string
}

/** The flat customer shape of `customers.jsonl`, which differs from the Customer API. */
export interface ExportedCustomer {
  id: string
  name: string
  address: string
  emailAddresses: string[]
  phoneNumbers: string[]
  externalCustomerId?: string
  externalCustomerIds?: Record<string, string>
}

export interface Agent {
  id: string
  name: string
  emailAddress: string
}

export interface Topic {
  id: string
  name: string
  disabled: boolean
  parentId?: string
}

export interface CustomAttribute {
  id: string
  key: string
  label: string
  deactivated: boolean
  createdAt: string
  createdBy: string
}

export interface Inbox {
  id: string
  name: string
  disabled: boolean
}

export interface Organization {
  id: string
  loginDomain: string
  name: string
  timezone: string
  gladlyUrl: string
}

export type JobStatus = 'COMPLETED' | 'FAILED' | 'IN_PROGRESS' | 'PENDING'

export interface ExportJob {
  id: string
  /** None on a one-time export (the spec marks no field of a job required). */
  scheduleId?: string
  status: JobStatus
  updatedAt: string
  parameters: {type: 'CONVERSATIONS'; startAt: string; endAt: string}
  files: string[]
}

export interface ExportSchedule {
  id: string
  frequency: 'DAILY' | 'HOURLY'
  type: 'CONVERSATIONS'
  nextStartAt: string
  updatedAt: string
}

export interface GladlyEvent {
  id: string
  type: string
  timestamp: string
  initiator: Party
  content: Record<string, unknown>
}

export const EXPORT_FILES = ['agents.jsonl', 'conversation_items.jsonl', 'customers.jsonl', 'topics.jsonl'] as const
