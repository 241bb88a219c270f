import type { Point } from '@influxdata/influxdb-client';

/*
 * Numeric fields added to a point only when InfluxDB can store their value; otherwise left out,
 * as "could not tell". `Point.floatField` throws on NaN and the infinities, `Point.intField` on
 * those and on anything outside int64, and a throw there loses the whole batch the point was built
 * for (every container's points of a collection pass, or the record of a scale action already
 * taken) over one absurd reading.
 */

export function addFloatField(point: Point, name: string, value: number | undefined): Point {
  return value !== undefined && Number.isFinite(value) ? point.floatField(name, value) : point;
}

/** Rounded to a whole number, as integer fields (bytes, counts, replicas) are. */
export function addIntegerField(point: Point, name: string, value: number | undefined): Point {
  return storableInteger(value) ? point.intField(name, Math.round(value)) : point;
}

/** Finite and within int64 after rounding (the largest double below 2^63 rounds to itself). */
function storableInteger(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && Math.abs(value) < 2 ** 63;
}
