export * from './consumer-alarms';
export * from './event-pipeline';
export * from './event-table';
export * from './fan-out-topic';
export * from './handler-code';
export * from './queue-consumer';
export * from './validation';
export * from './event-pipeline-stack';
