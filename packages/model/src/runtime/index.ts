export { AUTO_WORKER_CAP, parseWorkerSetting, reusePortUnsupported, workerCount } from './workerCount.js';
export type { WorkerSetting } from './workerCount.js';
export { SNAPSHOT_CHUNK, WorkerPool, inChunks, kernelThreadId } from './workerPool.js';
export type { WorkerLogger, WorkerPoolOptions, WorkerReport } from './workerPool.js';
export { workerChannel } from './workerChannel.js';
export type { WorkerChannel } from './workerChannel.js';
export { fullCollector } from './fullCollector.js';
export { collectWhenQuiet } from './quietCollection.js';
export type { QuietCollection, QuietCollectionOptions } from './quietCollection.js';
