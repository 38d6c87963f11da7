// Everything that reads from Gladly: the budgeted HTTP client, the API calls, the codecs, and the
// incremental export feed that turns export jobs into touched conversations.
export {createBudget, type Budget} from './budget.js'
export {createGladlyHttp, type GladlyConnection, type GladlyHttp} from './http.js'
export {
  getAgents,
  getConversation,
  getConversationItems,
  getCustomAttribute,
  getCustomerConversations,
  getCustomerProfile,
  getInboxes,
  getOrganization,
  getTopics,
  listCompletedJobs,
} from './client.js'
export {concernsWholeRun, type GladlyError} from './errors.js'
export {createWebhook, listWebhooks, updateWebhook, type WebhookFields} from './webhooks.js'
export {EVENTS_RETENTION_MS, EVENTS_SETTLE_MS, listConversationEvents} from './events.js'
export * from './feed/index.js'
export {compareTimestamps} from './time.js'
export type {Agent, Conversation, ExportJob, Inbox, Topic} from './codecs.js'
export {addDays, dayOf, daysBetween, type ReportWindow} from './reports.js'
