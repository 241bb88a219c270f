/** The InfluxDB v1-HTTP-API client shared by the collector (writes) and the scaler (reads). */
export * from './config.js';
export { InfluxHttpError, InfluxUnreachableError } from './http.js';
export { InfluxGiveUp } from './giveUp.js';
export * from './influxql.js';
export * from './query.js';
export * from './readers.js';
export * from './schema.js';
export * from './setup.js';
export { storableTagValue } from './tagValues.js';
export { addFloatField, addIntegerField } from './numericFields.js';
export { perReplica, type SummedField } from './perReplica.js';
export { InfluxWriter, toLine, defaultWriterOptions, type InfluxWriterOptions, type InfluxWriterStats } from './writer.js';
export { BoundedLineBuffer } from './lineBuffer.js';
export { backoffDelayMs } from './backoff.js';
