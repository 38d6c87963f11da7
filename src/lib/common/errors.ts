/**
 * The process exit codes the CLI documents. Every failure in src/lib carries one of them, so the
 * command layer maps errors to exits in one place and never guesses.
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  partial: 3,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** The shape every tagged error of src/lib has: a tag to match on, a one-line message, an exit code. */
export interface AppError {
  readonly _tag: string
  readonly message: string
  readonly exit: ExitCode
  readonly suggestions?: readonly string[]
}
