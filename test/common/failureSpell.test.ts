/**
 * A failing dependency's spell, for logs that say it once: its start, a change of reason, the
 * same again, and how long it lasted when an attempt works.
 */
import { describe, expect, it } from 'vitest';
import { FailureSpell } from '../../common/failureSpell.js';

describe('a spell of failures', () => {
  it('starts with the first failure, changes with another reason, and is the same with the same one', () => {
    const spell = new FailureSpell();
    expect(spell.failed('connect ENOENT', 1_000)).toBe('started');
    expect(spell.failed('connect ENOENT', 2_000)).toBe('same');
    expect(spell.failed('connect EACCES', 3_000)).toBe('changed');
    expect(spell.reason).toBe('connect EACCES');
  });

  it('ends when an attempt works, saying how long it lasted from its first failure, whatever the reasons on the way', () => {
    const spell = new FailureSpell();
    spell.failed('a', 1_000);
    spell.failed('b', 4_000);
    expect(spell.ended(10_000)).toBe(9_000);
    expect(spell.reason).toBeUndefined();
  });

  it('an attempt that works while nothing was failing ends nothing; the next failure starts a new spell', () => {
    const spell = new FailureSpell();
    expect(spell.ended(1_000)).toBeUndefined();
    spell.failed('a', 2_000);
    spell.ended(3_000);
    expect(spell.failed('a', 5_000)).toBe('started');
    expect(spell.ended(6_000)).toBe(1_000);
  });
});
