import type { Action, WorkshopRecord } from '../data/workshops.js';
import type { Refusal } from '../domain/anonymity.js';
import { allCheckpoints, type Definition } from '../domain/definition.js';
import { upcomingQuarters } from '../domain/quarters.js';
import { displayJoinCode } from '../join-codes.js';
import type { groupView } from './workshop-view.js';

/**
 * The coach's room: one page per section, each reachable directly and whole
 * without JavaScript. Routes hand over what they loaded; this builds what the
 * templates read.
 */

export const roomSections = [
  { key: 'join', label: 'Join', path: '' },
  { key: 'results', label: 'Results', path: '/results' },
  { key: 'discussion', label: 'Discussion', path: '/discussion' },
  { key: 'agreement', label: 'Agreement', path: '/agreement' },
  { key: 'actions', label: 'Actions', path: '/actions' },
  { key: 'exports', label: 'Report & exports', path: '/exports' },
] as const;
export type RoomSection = (typeof roomSections)[number]['key'];
export const sectionKeys = roomSections.map((s) => s.key) as [RoomSection, ...RoomSection[]];

/** What each section's polled part renders: a partial per section. */
export const livePartials: Partial<Record<RoomSection, string>> = {
  join: 'workshops/participation',
  results: 'workshops/live',
  discussion: 'workshops/discussion',
};

type Group = ReturnType<typeof groupView>;

export const roleLabels = { leader: 'Leader', team_member: 'Team member' } as const;

export function workshopHeader(workshop: WorkshopRecord, joinUrl: string) {
  const path = `/coach/workshops/${workshop.id}`;
  return {
    ...workshop,
    code: displayJoinCode(workshop.joinCode),
    joinUrl,
    path,
    open: workshop.status === 'open',
    roles: workshop.roles.map((r) => roleLabels[r]),
  };
}

export function consensusOptions(definition: Definition) {
  return [
    ...definition.scale.points.map((p) => ({ value: String(p.value), label: `${p.value}: ${p.label}` })),
    { value: 'dontknow', label: definition.scale.dontKnow.label },
    { value: 'na', label: definition.scale.notApplicable.label },
  ];
}

export interface RoomInput {
  section: RoomSection;
  workshop: WorkshopRecord;
  joinUrl: string;
  definition: Definition;
  group: Group;
  basis: 'votes' | 'agreed';
  actions: readonly Action[];
  now: Date;
  reopen: Refusal;
  exportPermission: Refusal;
  actionState?: { values?: Record<string, string>; errors?: Record<string, string> };
  agreeState?: { checkpointId: string; answer: string; dissent: string; error: string };
  /** The checkpoint whose agreed answer was just saved. */
  agreedId?: string;
  actionKey: string;
}

export function roomView(input: RoomInput) {
  const { definition, group, workshop } = input;
  const header = workshopHeader(workshop, input.joinUrl);
  const checkpoints = allCheckpoints(definition);
  const statementOf = new Map(checkpoints.map((c) => [c.id, c.statement]));
  const constraintIds = new Set(group.results?.constraint?.weakest.map((w) => w.id) ?? []);
  const agreed = input.agreedId ? group.checkpoints.find((c) => c.id === input.agreedId) : undefined;
  const livePartial = livePartials[input.section];
  return {
    title: `${workshop.title}: ${roomSections.find((s) => s.key === input.section)!.label}`,
    workshop: header,
    assessment: definition,
    group,
    basis: input.basis,
    charts: input.section === 'results',
    section: input.section,
    sectionPartial: `workshops/room/${input.section}`,
    sections: roomSections.map((s) => ({ label: s.label, href: `${header.path}${s.path}`, current: s.key === input.section })),
    livePath: livePartial ? `${header.path}/live?section=${input.section}&basis=${input.basis}` : undefined,
    consensusOptions: consensusOptions(definition),
    agreeState: input.agreeState,
    agreedNotice: agreed
      ? { id: agreed.id, statement: agreed.statement, label: agreed.consensus?.label, dissentNote: agreed.consensus?.dissentNote }
      : undefined,
    constraintItems: checkpoints.filter((c) => constraintIds.has(c.id)).map((c) => ({ id: c.id, statement: c.statement })),
    actionCheckpoints: [
      ...checkpoints.filter((c) => constraintIds.has(c.id)).map((c) => ({ id: c.id, statement: c.statement, constraint: true })),
      ...checkpoints.filter((c) => !constraintIds.has(c.id)).map((c) => ({ id: c.id, statement: c.statement, constraint: false })),
    ],
    actions: input.actions.map((a) => ({ ...a, statement: statementOf.get(a.checkpointId) ?? a.checkpointId })),
    quarters: upcomingQuarters(input.now),
    actionValues: input.actionState?.values ?? {},
    actionErrors: input.actionState?.errors ?? {},
    actionKey: input.actionKey,
    reopen: input.reopen,
    exportPermission: input.exportPermission,
  };
}

/** Presenter mode: the join screen, or one discussion item at a time; nothing private (no notes, no dissent, no actions). */
export function presenterView(input: { workshop: WorkshopRecord; joinUrl: string; group: Group; item: number | undefined }) {
  const header = workshopHeader(input.workshop, input.joinUrl);
  const queue = input.group.queue;
  const index = input.item === undefined ? undefined : Math.min(Math.max(input.item, 1), Math.max(queue.length, 1));
  const item = index === undefined ? undefined : queue[index - 1];
  const at = (n: number) => `${header.path}/presenter?item=${n}`;
  return {
    title: `${input.workshop.title}: presenter`,
    presenter: true,
    workshop: header,
    group: { participation: input.group.participation },
    queueLength: queue.length,
    item: item ? { position: item.position, statement: item.statement, reasons: item.reasons, distribution: item.distribution, agreed: item.agreed, consensus: item.consensus ? { label: item.consensus.label } : undefined } : undefined,
    livePath: `${header.path}/live?section=join`,
    previous: item ? (index! > 1 ? at(index! - 1) : `${header.path}/presenter`) : undefined,
    next: item ? (index! < queue.length ? at(index! + 1) : undefined) : queue.length > 0 ? at(1) : undefined,
  };
}
