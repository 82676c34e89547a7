/** Messages between the page (main thread) and the training worker. */
import type { CurvePoint, ItemRow, StepProgress, SyntheticChoice, TrainChoice } from './pipeline.js'

/** Page → worker. Every request carries an `id` its reply echoes. */
export type Request =
  | { id: number; type: 'load-synthetic'; choice: SyntheticChoice }
  | { id: number; type: 'load-file'; name: string; bytes: Uint8Array; minRating?: number }
  | { id: number; type: 'train'; choice: TrainChoice; stop: Int32Array | null }
  | { id: number; type: 'stop' }
  | { id: number; type: 'user'; user: string }
  | { id: number; type: 'similar'; query: string }
  | { id: number; type: 'save' }
  | { id: number; type: 'save-idb'; key: string }
  | { id: number; type: 'load-idb'; key: string }
  | { id: number; type: 'load-model'; file: File }
  | { id: number; type: 'ping' }

/** Summary of a loaded log. */
export interface DataSummary {
  name: string
  users: number
  items: number
  interactions: number
  train: number
  test: number
  titles: boolean
  /** Example user ids for the page's user box. */
  sampleUsers: string[]
  popularity: Record<string, number>
}

/** Summary of a fit (or of a loaded model). */
export interface ModelSummary {
  kind: string
  /** Model metrics on the test split; null when no data is loaded or the ids do not match. */
  metrics: Record<string, number> | null
  popularity: Record<string, number> | null
  trainSeconds?: number
  epochs?: number
  kernel?: string
  workers?: number
  config?: Record<string, unknown>
}

/** Worker → page: replies (`ok`/`error` with the request's id) and training events. */
export type Reply =
  | { id: number; type: 'ok'; data?: DataSummary; model?: ModelSummary; bytes?: Uint8Array; rows?: ViewRows }
  | { id: number; type: 'error'; message: string }
  | { id: number; type: 'epoch'; point: CurvePoint; epochs: number }
  | { id: number; type: 'step'; progress: StepProgress }

/** Rows of a query reply. */
export interface ViewRows {
  history?: ItemRow[]
  top?: ItemRow[]
  item?: ItemRow
  similar?: ItemRow[]
}
