import type { AccessPoint, FaultRule, FaultWhen, World } from '../world.js';

export type RuleOfKind<K extends FaultRule['kind']> = Extract<FaultRule, { kind: K }>;

/** What a rule's `when` is matched against. */
export interface RuleContext {
  readonly ap: AccessPoint;
  readonly powerSave: boolean;
}

function matches(when: FaultWhen, context: RuleContext): boolean {
  if (when.ssid !== undefined && when.ssid !== context.ap.ssid) return false;
  if (when.hidden !== undefined && when.hidden !== context.ap.hidden) return false;
  if (when.powerSave !== undefined && when.powerSave !== context.powerSave) return false;
  return true;
}

/** The world's rules of one kind that apply to this AP in this PM state, in file order. */
export function rulesFor<K extends FaultRule['kind']>(world: World, kind: K, context: RuleContext): RuleOfKind<K>[] {
  return world.faults.filter((rule): rule is RuleOfKind<K> => rule.kind === kind && matches(rule.when, context));
}

/** Independent chances combined: the chance that at least one happens. */
export function eitherOf(probabilities: readonly number[]): number {
  return 1 - probabilities.reduce((keep, p) => keep * (1 - p), 1);
}

/**
 * The passive-channels rules that hold under the applied country for this channel (hidden APs there
 * cannot be probed). Rules with an ssid/hidden condition are matched against the AP.
 */
export function passiveRules(world: World, ap: AccessPoint, appliedCountry: string | null, powerSave: boolean): RuleOfKind<'passive-channels'>[] {
  return rulesFor(world, 'passive-channels', { ap, powerSave }).filter((rule) => rule.countries.includes(appliedCountry ?? 'XX') && rule.channels.includes(ap.channel));
}
