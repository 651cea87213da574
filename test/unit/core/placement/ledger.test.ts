import { describe, expect, test } from '@jest/globals';
import { PlacementLedger, ZERO } from '../../../../operator/core/placement/index.js';
import { gpuNodeInfo, ledgerOf, nodeInfo, res } from './builders.js';

const ONE_CPU = res({ cpu: 1, memGi: 2, pods: 1 });

describe('PlacementLedger: nodes', () => {
  test('nodeList is sorted by name whatever the insertion order', () => {
    const ledger = ledgerOf(nodeInfo('c'), nodeInfo('a'), nodeInfo('b-2'), nodeInfo('b-10'));
    expect(ledger.nodeList().map((n) => n.name)).toEqual(['a', 'b-10', 'b-2', 'c']);
  });

  test('nodeList follows setNode and removeNode', () => {
    const ledger = ledgerOf(nodeInfo('b'));
    expect(ledger.nodeList().map((n) => n.name)).toEqual(['b']);
    ledger.setNode(nodeInfo('a'));
    expect(ledger.nodeList().map((n) => n.name)).toEqual(['a', 'b']);
    ledger.removeNode('b');
    expect(ledger.nodeList().map((n) => n.name)).toEqual(['a']);
    ledger.removeNode('never-there');
    expect(ledger.nodeList().map((n) => n.name)).toEqual(['a']);
  });

  test('setNode replaces a node of the same name', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    ledger.setNode(nodeInfo('a', { ready: false, allocatable: { cpuMillis: 2000 } }));
    expect(ledger.nodeList()).toHaveLength(1);
    expect(ledger.node('a')?.ready).toBe(false);
    expect(ledger.free('a')?.cpuMillis).toBe(2000);
  });

  test('an unknown node has no free vector', () => {
    expect(new PlacementLedger().free('nope')).toBeUndefined();
    expect(new PlacementLedger().node('nope')).toBeUndefined();
    expect(new PlacementLedger().usedOn('nope')).toEqual(ZERO);
  });
});

describe('PlacementLedger: accounting', () => {
  test('free() is allocatable minus everything bound, reserved and held', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    expect(ledger.free('a')).toEqual(res({ cpu: 4, memGi: 16, ephGi: 100, pods: 110 }));
    ledger.recordBound('ns/p1', 'a', res({ cpu: 1, memGi: 1, pods: 1 }));
    ledger.reserve('ns/p2', 'a', res({ cpu: 0.5, memGi: 2, ephGi: 10, pods: 1 }));
    ledger.reserve('hold/1', 'a', res({ cpu: 2, pods: 1 }), 'ns/task', 'held');
    expect(ledger.free('a')).toEqual(res({ cpu: 0.5, memGi: 13, ephGi: 90, pods: 107 }));
    expect(ledger.usedOn('a')).toEqual(res({ cpu: 3.5, memGi: 3, ephGi: 10, pods: 3 }));
  });

  test('free() and usedOn() hand out copies', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    ledger.reserve('ns/p', 'a', ONE_CPU);
    ledger.free('a')!.cpuMillis = 0;
    ledger.usedOn('a').cpuMillis = 999_999;
    expect(ledger.free('a')!.cpuMillis).toBe(3000);
    expect(ledger.node('a')!.allocatable.cpuMillis).toBe(4000);
  });

  test('recordBound with the key of a reservation replaces it: no double count', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    ledger.reserve('ns/p', 'a', ONE_CPU, 'ns/task');
    ledger.recordBound('ns/p', 'a', ONE_CPU, 'ns/task');
    expect(ledger.usedOn('a')).toEqual(ONE_CPU);
    expect(ledger.entry('ns/p')?.kind).toBe('bound');
    expect(ledger.entryCount()).toBe(1);
    expect(ledger.entryCount('reserved')).toBe(0);
    expect(ledger.taskEntriesOn('a', 'ns/task')).toBe(1);
    // Seeing the same bound pod again changes nothing either.
    ledger.recordBound('ns/p', 'a', ONE_CPU, 'ns/task');
    expect(ledger.usedOn('a')).toEqual(ONE_CPU);
    expect(ledger.taskEntriesOn('a', 'ns/task')).toBe(1);
  });

  test('recordBound on another node moves the entry', () => {
    const ledger = ledgerOf(nodeInfo('a'), nodeInfo('b'));
    ledger.reserve('ns/p', 'a', ONE_CPU, 'ns/task');
    ledger.recordBound('ns/p', 'b', ONE_CPU, 'ns/task');
    expect(ledger.usedOn('a')).toEqual(ZERO);
    expect(ledger.usedOn('b')).toEqual(ONE_CPU);
    expect(ledger.taskEntriesOn('a', 'ns/task')).toBe(0);
    expect(ledger.taskEntriesOn('b', 'ns/task')).toBe(1);
    expect(ledger.entry('ns/p')).toEqual({ node: 'b', requests: ONE_CPU, kind: 'bound', taskKey: 'ns/task' });
  });

  test('a new entry with different requests replaces the old amount', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    ledger.reserve('ns/p', 'a', res({ cpu: 3, pods: 1 }));
    ledger.recordBound('ns/p', 'a', res({ cpu: 1, pods: 1 }));
    expect(ledger.usedOn('a')).toEqual(res({ cpu: 1, pods: 1 }));
  });

  test('release gives the capacity back, once', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    ledger.reserve('ns/p1', 'a', ONE_CPU, 'ns/task');
    ledger.reserve('ns/p2', 'a', ONE_CPU, 'ns/task');
    expect(ledger.release('ns/p1')).toBe(true);
    expect(ledger.free('a')).toEqual(res({ cpu: 3, memGi: 14, ephGi: 100, pods: 109 }));
    expect(ledger.release('ns/p1')).toBe(false);
    expect(ledger.free('a')).toEqual(res({ cpu: 3, memGi: 14, ephGi: 100, pods: 109 }));
    expect(ledger.entry('ns/p1')).toBeUndefined();
    expect(ledger.taskEntriesOn('a', 'ns/task')).toBe(1);
    expect(ledger.release('ns/p2')).toBe(true);
    expect(ledger.usedOn('a')).toEqual(ZERO);
    expect(ledger.taskEntriesOn('a', 'ns/task')).toBe(0);
    expect(ledger.entryCount()).toBe(0);
  });

  test('release of a key never seen is false and changes nothing', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    expect(ledger.release('ns/ghost')).toBe(false);
    expect(ledger.free('a')).toEqual(nodeInfo('a').allocatable);
  });

  test('entries on a removed node are kept: when it comes back it is still full', () => {
    const ledger = ledgerOf(nodeInfo('a'), nodeInfo('b'));
    ledger.recordBound('ns/p', 'a', res({ cpu: 3, memGi: 8, pods: 1 }), 'ns/task');
    ledger.removeNode('a');
    expect(ledger.free('a')).toBeUndefined();
    expect(ledger.nodeList().map((n) => n.name)).toEqual(['b']);
    expect(ledger.entry('ns/p')?.node).toBe('a');
    ledger.setNode(nodeInfo('a'));
    expect(ledger.free('a')).toEqual(res({ cpu: 1, memGi: 8, ephGi: 100, pods: 109 }));
    expect(ledger.taskEntriesOn('a', 'ns/task')).toBe(1);
  });

  test('an entry can be recorded for a node not (yet) known, and counts once it appears', () => {
    const ledger = new PlacementLedger();
    ledger.recordBound('ns/p', 'late', res({ gpus: 1, pods: 1 }));
    expect(ledger.free('late')).toBeUndefined();
    ledger.setNode(gpuNodeInfo('late', { gpus: 2 }));
    expect(ledger.free('late')?.gpus).toBe(1);
  });

  test('a node may be overcommitted by bound pods (reported, not clamped)', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    ledger.recordBound('ns/p1', 'a', res({ cpu: 3, pods: 1 }));
    ledger.recordBound('ns/p2', 'a', res({ cpu: 3, pods: 1 }));
    expect(ledger.free('a')?.cpuMillis).toBe(-2000);
  });
});

describe('PlacementLedger: queries', () => {
  test('entryCount overall and by kind', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    ledger.recordBound('ns/b1', 'a', ONE_CPU);
    ledger.recordBound('ns/b2', 'a', ONE_CPU);
    ledger.reserve('ns/r1', 'a', ONE_CPU);
    ledger.reserve('hold/h1', 'a', ONE_CPU, 'ns/task', 'held');
    expect(ledger.entryCount()).toBe(4);
    expect(ledger.entryCount('bound')).toBe(2);
    expect(ledger.entryCount('reserved')).toBe(1);
    expect(ledger.entryCount('held')).toBe(1);
  });

  test('taskEntriesOn counts per node and task, only entries with a task', () => {
    const ledger = ledgerOf(nodeInfo('a'), nodeInfo('b'));
    ledger.recordBound('ns/t1-0', 'a', ONE_CPU, 'ns/t1');
    ledger.reserve('ns/t1-1', 'a', ONE_CPU, 'ns/t1');
    ledger.reserve('hold/t1-2', 'b', ONE_CPU, 'ns/t1', 'held');
    ledger.reserve('ns/t2-0', 'a', ONE_CPU, 'ns/t2');
    ledger.recordBound('ns/foreign', 'a', ONE_CPU);
    expect(ledger.taskEntriesOn('a', 'ns/t1')).toBe(2);
    expect(ledger.taskEntriesOn('b', 'ns/t1')).toBe(1);
    expect(ledger.taskEntriesOn('a', 'ns/t2')).toBe(1);
    expect(ledger.taskEntriesOn('b', 'ns/t2')).toBe(0);
    expect(ledger.taskEntriesOn('c', 'ns/t1')).toBe(0);
    expect(ledger.entry('ns/foreign')).toEqual({ node: 'a', requests: ONE_CPU, kind: 'bound' });
  });

  test('keysOf lists a task’s keys of one kind', () => {
    const ledger = ledgerOf(nodeInfo('a'), nodeInfo('b'));
    ledger.recordBound('ns/t1-0', 'a', ONE_CPU, 'ns/t1');
    ledger.reserve('ns/t1-1', 'a', ONE_CPU, 'ns/t1');
    ledger.reserve('ns/t1-2', 'b', ONE_CPU, 'ns/t1');
    ledger.reserve('hold/t1-3', 'b', ONE_CPU, 'ns/t1', 'held');
    ledger.reserve('ns/t2-0', 'a', ONE_CPU, 'ns/t2');
    expect(ledger.keysOf('ns/t1', 'reserved').sort()).toEqual(['ns/t1-1', 'ns/t1-2']);
    expect(ledger.keysOf('ns/t1', 'bound')).toEqual(['ns/t1-0']);
    expect(ledger.keysOf('ns/t1', 'held')).toEqual(['hold/t1-3']);
    expect(ledger.keysOf('ns/t2', 'held')).toEqual([]);
    expect(ledger.keysOf('ns/none', 'reserved')).toEqual([]);
    // A hold turned into a reservation changes its kind.
    ledger.reserve('hold/t1-3', 'b', ONE_CPU, 'ns/t1');
    expect(ledger.keysOf('ns/t1', 'held')).toEqual([]);
    expect(ledger.keysOf('ns/t1', 'reserved').sort()).toEqual(['hold/t1-3', 'ns/t1-1', 'ns/t1-2']);
    expect(ledger.taskEntriesOn('b', 'ns/t1')).toBe(2);
  });

  test('reserve defaults to kind reserved', () => {
    const ledger = ledgerOf(nodeInfo('a'));
    ledger.reserve('ns/p', 'a', ONE_CPU);
    expect(ledger.entry('ns/p')?.kind).toBe('reserved');
  });

  test('many reserve/release cycles leave nothing behind', () => {
    const ledger = ledgerOf(nodeInfo('a'), nodeInfo('b'));
    for (let i = 0; i < 100; i++) {
      ledger.reserve(`ns/p${i}`, i % 2 ? 'a' : 'b', res({ cpu: 0.25, memGi: 0.5, pods: 1 }), `ns/t${i % 3}`);
      if (i % 4 === 0) ledger.recordBound(`ns/p${i}`, 'a', res({ cpu: 0.25, memGi: 0.5, pods: 1 }), `ns/t${i % 3}`);
    }
    for (let i = 0; i < 100; i++) expect(ledger.release(`ns/p${i}`)).toBe(true);
    expect(ledger.usedOn('a')).toEqual(ZERO);
    expect(ledger.usedOn('b')).toEqual(ZERO);
    expect(ledger.free('a')).toEqual(nodeInfo('a').allocatable);
    for (const node of ['a', 'b']) for (let t = 0; t < 3; t++) expect(ledger.taskEntriesOn(node, `ns/t${t}`)).toBe(0);
    expect(ledger.entryCount()).toBe(0);
  });
});
