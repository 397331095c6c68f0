import type { MessagePort } from 'node:worker_threads';
export declare const TASK_END_MARKER: string;
export declare function endTaskPort(port: MessagePort | null | undefined): void;
