import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { linesDroppedByPartialWrite } from '../../../common/influx/partialWrite.js';
import { propertySettings } from '../../support/properties.js';

/**
 * Property tests of what influxd 1.x's 400 answer to a `/write` says of the batch
 * (`common/influx/partialWrite.ts`): the lines it dropped, or nothing when it does not say.
 */

const body = (error: string) => JSON.stringify({ error });
/** One line of text as influxd quotes it back: anything but a line end. */
const oneLine = fc.string({ unit: 'binary', maxLength: 40 }).filter((text) => !text.includes('\n'));

describe('partial writes, as properties', () => {
  it('any answer reads as a count of lines within the batch, at least one, or as none', () => {
    const answers = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 80 }),
      fc.tuple(oneLine, fc.nat({ max: 20_000 })).map(([reason, dropped]) => body(`partial write: ${reason} dropped=${dropped}`)),
      fc.array(oneLine, { maxLength: 5 }).map((lines) => body(`partial write: ${lines.map((line) => `unable to parse '${line}': bad`).join('\n')} dropped=0`)),
    );
    fc.assert(
      fc.property(answers, fc.integer({ min: 1, max: 10_000 }), (answer, batchLines) => {
        const dropped = linesDroppedByPartialWrite(answer, batchLines);
        if (dropped !== undefined) {
          expect(Number.isInteger(dropped)).toBe(true);
          expect(dropped).toBeGreaterThanOrEqual(1);
          expect(dropped).toBeLessThanOrEqual(batchLines);
        }
      }),
      propertySettings(500),
    );
  });

  it('a partial write drops the count it gives, whatever its reason; unparsable lines count one each, whatever their text', () => {
    fc.assert(
      fc.property(oneLine, fc.integer({ min: 1, max: 5000 }), fc.array(oneLine, { minLength: 1, maxLength: 20 }), (reason, dropped, unparsable) => {
        expect(linesDroppedByPartialWrite(body(`partial write: ${reason} dropped=${dropped}`), 5000)).toBe(dropped);
        const parseFailures = unparsable.map((line) => `unable to parse '${line}': invalid field format`).join('\n');
        expect(linesDroppedByPartialWrite(body(`partial write: ${parseFailures} dropped=0`), 5000)).toBe(unparsable.length);
      }),
      propertySettings(300),
    );
  });
});
