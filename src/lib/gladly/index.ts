// Everything that reads from Gladly: the budgeted HTTP client, the API calls, the codecs, and the
// incremental export feed that turns export jobs into touched conversations.
export {createBudget, type Budget, type RateReport} from './budget.js'
export {createGladlyHttp, type GladlyConnection, type GladlyHttp} from './http.js'
export {getAgents, getConversation, getConversationItems, getCustomerConversations, getCustomerProfile, getInboxes, getOrganization, getTopics, listCompletedJobs, sortJobs, type CompletedJobs, type UnreadableItem} from './client.js'
export {concernsWholeRun, type GladlyError} from './errors.js'
export * from './feed/index.js'
export {compareTimestamps, toEpochSeconds} from './time.js'
export type {Agent, Conversation, ConversationItem, ExportJob, Inbox, Organization, Topic} from './codecs.js'
export {addDays, dayOf, daysBetween, type ReportSource, type ReportWindow} from './reports.js'
