import { describe, expect, it } from 'vitest';
import { analyseCues, type Polarity } from './outage-cues';
import { tokenise } from './text-tokens';

/** The cues of every clause, as "polarity:phrase", and why clauses were neutralised. */
function cuesOf(text: string): { cues: string[]; neutralised: string[] } {
  const analysis = analyseCues(tokenise(text).tokens);
  return {
    cues: analysis.clauses.flatMap((c) => c.cues.map((q) => `${q.polarity}:${q.phrase}`)),
    neutralised: analysis.clauses.flatMap((c) => (c.neutralisedBy ? [c.neutralisedBy] : [])),
  };
}
const polarities = (text: string): Polarity[] => cuesOf(text).cues.map((c) => c.split(':')[0] as Polarity);

describe('the word "down"', () => {
  it.each([
    'is it down?',
    'down again',
    'down for everyone',
    'down for me',
    'down for 2 hours',
    'down for a while now',
    'down 3 hours now',
    'servers went down',
    'down in my area',
  ])('%s: outage', (text) => {
    expect(polarities(text)).toEqual(['outage']);
  });

  it.each([
    "I'm down for pizza",
    'down for a movie tonight',
    'calm down',
    'shut it down',
    'turned my notifications down',
    'slow down',
    'feeling down',
    'down to earth',
    'down the rabbit hole',
    'down with the flu',
    'down bad',
    'upside down cake',
    'thumbs down',
    'you down?',
    'down votes everywhere',
    'download it',
  ])('%s: not an outage word', (text) => {
    expect(polarities(text)).toEqual([]);
  });

  it('is a price when a percentage follows', () => {
    expect(polarities('down 5%')).toEqual([]);
    expect(polarities('down 5 percent')).toEqual([]);
  });
});

describe('clauses', () => {
  it('drops market talk, retrospectives and hypotheticals', () => {
    expect(cuesOf('the stock crashed today').neutralised).toEqual(['finance']);
    expect(cuesOf('the 2021 outage was wild').neutralised).toEqual(['past']);
    expect(cuesOf('remember when it went down').neutralised).toEqual(['past']);
    expect(cuesOf('if it goes down again I quit').neutralised).toEqual(['hypothetical']);
    expect(polarities('it should be down for maintenance')).toEqual([]);
  });

  it('keeps strong cues in a market clause', () => {
    expect(polarities('stock app not working')).toEqual(['outage']);
  });

  it('splits at sentence ends and at "but"', () => {
    const analysis = analyseCues(tokenise('instagram works fine but whatsapp is down. ugh').tokens);
    expect(analysis.clauses.map((c) => c.cues.map((q) => q.phrase))).toEqual([['works fine'], ['down'], []]);
  });

  it('flips a negated state', () => {
    expect(cuesOf("it isn't actually down").cues).toEqual(['working:not down']);
    expect(cuesOf('not down for me').cues).toEqual(['working:not down']);
  });

  it('prefers the longest phrase', () => {
    expect(cuesOf('o whatsapp não está funcionando').cues).toEqual(['outage:nao esta funcionando']);
    expect(cuesOf('a mí me funciona bien').cues).toEqual(['working:me funciona bien']);
    expect(cuesOf("ça marche pas").cues).toEqual(['outage:ca marche pas']);
  });

  it('marks cue words consumed and notes non-English languages', () => {
    const text = 'no signal, sem sinal, kein netz';
    const analysis = analyseCues(tokenise(text).tokens);
    expect([...analysis.consumed].filter(Boolean).length).toBe(6);
    expect([...analysis.languages].sort()).toEqual(['de', 'pt']);
  });
});
