// The printed report: the comparison table, the scale table and the targets with verdicts.

import { cell, CLIENT_NOTE, clientCell, cpuCell, fmtMs, fmtRatio, markdownTable, type Goal, type Results, verdict } from './report.ts';
import { besideProxyRow, PROXY_KINDS, proxyRow, proxyTable, type Stampede } from './proxy.ts';
import { HOT_BESIDE_SWEEP_ROW, HOT_SAME_CLIENT_ROW, RANDOM_ROW } from './scale.ts';
import { READ_KINDS, readRow } from './scenarios.ts';

interface Memory {
  name: string;
  rssMb: number;
  peakMb: number;
}

function comparison(res: Results): string {
  const rows: string[][] = [];
  for (const kind of READ_KINDS) {
    for (const auth of [true, false]) {
      const row = readRow(kind, auth);
      const ceilingRow = readRow(kind, true);
      rows.push([
        `${row} (-c 50)`,
        `${cpuCell(res, row, ['tessera', 'verdaccio'])} / ${cpuCell(res, ceilingRow, ['ceiling'])}`,
        fmtRatio(res.cpuPer(row, 'tessera', ceilingRow, 'ceiling')),
        fmtRatio(res.cpuPer(row, 'tessera', row, 'verdaccio')),
        cell(res, row, 'tessera'),
        cell(res, row, 'verdaccio'),
        cell(res, ceilingRow, 'ceiling'),
        fmtRatio(res.ratio(row, 'tessera', ceilingRow, 'ceiling')),
        fmtRatio(res.ratio(row, 'tessera', row, 'verdaccio')),
        `${clientCell(res, row, ['tessera', 'verdaccio'])} / ${clientCell(res, ceilingRow, ['ceiling'])}`,
      ]);
    }
  }
  const pair = (row: string, label: string) => {
    const shared = row.startsWith('storm: reads during') || row.startsWith('storm: logins');
    return [
      label,
      shared ? '–' : `${cpuCell(res, row, ['tessera', 'verdaccio'])} / –`,
      '–',
      shared ? '–' : fmtRatio(res.cpuPer(row, 'tessera', row, 'verdaccio')),
      cell(res, row, 'tessera'),
      cell(res, row, 'verdaccio'),
      '–',
      '–',
      fmtRatio(res.ratio(row, 'tessera', row, 'verdaccio')),
      `${clientCell(res, row, ['tessera', 'verdaccio'])} / –`,
    ];
  };
  rows.push(pair('publish', 'publish, distinct versions (-c 8)'));
  rows.push(pair('login', 'login, legacy PUT (-c 20)'));
  rows.push(pair('storm: reads alone', 'abbreviated bearer reads alone (-c 50)'));
  rows.push(pair('storm: reads during logins', 'same reads while 20 clients log in'));
  rows.push(pair('storm: logins during reads', 'logins during those reads (-c 20)'));
  return markdownTable(
    ['measurement', 'server CPU µs/response T / V / C', '**CPU/response Tessera ÷ ceiling**', 'CPU/response Tessera ÷ Verdaccio', 'Tessera req/s (p50/p99 ms)', 'Verdaccio', 'ceiling', 'req/s Tessera/ceiling', 'req/s Tessera/Verdaccio', 'load generator cores T / V / C'],
    rows,
  );
}

function scaleTable(res: Results, memory: Memory[], seed: { packages: number; tokens: number } | undefined): string {
  const rows: string[][] = [];
  for (const kind of READ_KINDS) {
    for (const auth of [true, false]) {
      const row = readRow(kind, auth);
      rows.push([
        row,
        cell(res, row, 'tessera-small'),
        cell(res, row, 'tessera-10k'),
        fmtRatio(res.ratio(row, 'tessera-10k', row, 'tessera-small')),
        cpuCell(res, row, ['tessera-small', 'tessera-10k']),
        fmtRatio(res.cpuRatio(row, 'tessera-10k', row, 'tessera-small')),
      ]);
    }
  }
  rows.push([
    RANDOM_ROW,
    '–',
    cell(res, RANDOM_ROW, 'tessera-10k'),
    `${fmtRatio(res.ratio(RANDOM_ROW, 'tessera-10k', HOT_SAME_CLIENT_ROW, 'tessera-10k'))} of one-package reads by the same client`,
    `– / ${cpuCell(res, RANDOM_ROW, ['tessera-10k'])}`,
    `${fmtRatio(res.cpuRatio(RANDOM_ROW, 'tessera-10k', HOT_SAME_CLIENT_ROW, 'tessera-10k'))} (CPU view of that ratio); to plainly replayed one-package reads ${fmtRatio(res.cpuRatio(RANDOM_ROW, 'tessera-10k', HOT_BESIDE_SWEEP_ROW, 'tessera-10k'))}`,
  ]);
  // The first round loads every package from the store (the median is of the rounds after it).
  const first = res.samples(RANDOM_ROW, 'tessera-10k')[0];
  if (first) rows.push([`${RANDOM_ROW}: its first round alone (every package loaded from the store)`, '–', `${Math.round(first.rps).toLocaleString('en-US')} req/s`, '–', `– / ${fmtMs(first.cpuUs)}`, '–']);
  // The hot reads the sweep is compared with (measured in turns with it: scale.ts scanRound).
  for (const row of [HOT_SAME_CLIENT_ROW, HOT_BESIDE_SWEEP_ROW]) rows.push([row, '–', cell(res, row, 'tessera-10k'), '–', `– / ${cpuCell(res, row, ['tessera-10k'])}`, '–']);
  const mem = memory.map((m) => `${m.name}: RSS ${Math.round(m.rssMb)} MB, peak ${Math.round(m.peakMb)} MB`).join('; ');
  return `${markdownTable(['read (-c 50)', 'small (fresh, 1 user, 1 package)', `seeded: ${seed?.packages.toLocaleString('en-US') ?? '?'} packages, ${seed?.tokens.toLocaleString('en-US') ?? '?'} tokens`, 'seeded/small', 'server CPU µs/response small / seeded', 'CPU view: small/seeded'], rows)}\n\nMemory after the run: ${mem}`;
}

export function targets(res: Results, memory: Memory[]): Goal[] {
  const t: Goal[] = [];
  for (const kind of READ_KINDS) {
    const row = readRow(kind, true);
    t.push({ label: `${kind} bearer reads / ceiling`, value: res.ratio(row, 'tessera', row, 'ceiling'), cpu: res.cpuRatio(row, 'tessera', row, 'ceiling'), min: 0.6 });
  }
  for (const kind of READ_KINDS) {
    const [a, b] = [readRow(kind, true), readRow(kind, false)];
    t.push({ label: `${kind} reads, bearer / anonymous`, value: res.ratio(a, 'tessera', b, 'tessera'), cpu: res.cpuRatio(a, 'tessera', b, 'tessera'), min: 0.9 });
  }
  // The upstream proxy issue's target: reads with a token, local and proxied, cost at most the
  // ceiling's CPU per response ÷ 0.85 (the CPU view is the ceiling's cost ÷ Tessera's).
  for (const kind of READ_KINDS) {
    const row = readRow(kind, true);
    t.push({ label: `${kind} bearer reads: ceiling's CPU per response ÷ Tessera's`, value: NaN, cpu: res.cpuRatio(row, 'tessera', row, 'ceiling'), min: 0.85 });
  }
  for (const kind of PROXY_KINDS) {
    t.push({ label: `${proxyRow(kind)}: ceiling's CPU per response ÷ Tessera's`, value: NaN, cpu: res.cpuRatio(proxyRow(kind), 'tessera-proxy', besideProxyRow(kind), 'ceiling'), min: 0.85 });
  }
  t.push({ label: 'publishes, Tessera / Verdaccio', value: res.ratio('publish', 'tessera', 'publish', 'verdaccio'), cpu: res.cpuRatio('publish', 'tessera', 'publish', 'verdaccio'), min: 5 });
  t.push({ label: 'reads during a 20-client login storm / alone', value: res.ratio('storm: reads during logins', 'tessera', 'storm: reads alone', 'tessera'), min: 0.5 });
  for (const kind of READ_KINDS) {
    for (const auth of [true, false]) {
      const row = readRow(kind, auth);
      t.push({ label: `${row} seeded / small`, value: res.ratio(row, 'tessera-10k', row, 'tessera-small'), cpu: res.cpuRatio(row, 'tessera-10k', row, 'tessera-small'), min: 0.9 });
    }
  }
  if (res.samples(RANDOM_ROW, 'tessera-10k').length) {
    t.push({ label: 'cold sweep over every seeded package / hot reads of one (same client)', value: res.ratio(RANDOM_ROW, 'tessera-10k', HOT_SAME_CLIENT_ROW, 'tessera-10k'), cpu: res.cpuRatio(RANDOM_ROW, 'tessera-10k', HOT_SAME_CLIENT_ROW, 'tessera-10k'), min: 0.8 });
  }
  const big = memory.find((m) => m.name === 'tessera-10k');
  if (big) t.push({ label: 'RSS of the seeded server after the read benchmark, MB', value: big.rssMb, max: 250 });
  const scanned = memory.find((m) => m.name.startsWith('tessera-10k after'));
  if (scanned) t.push({ label: 'peak RSS of the seeded server after reading all its packages, MB', value: scanned.peakMb, max: 250 });
  return t;
}

export function render(res: Results, info: Record<string, unknown>): string {
  const memory = (info.memory as Memory[] | undefined) ?? [];
  const fmt3 = (v: number | undefined) => (v !== undefined && Number.isFinite(v) ? v.toFixed(3) : '–');
  const tg = targets(res, memory).map((x) => [
    x.label,
    x.max !== undefined ? String(Math.round(x.value)) : fmt3(x.value),
    x.min !== undefined ? `>= ${x.min}` : `<= ${x.max}`,
    verdict(x),
    fmt3(x.cpu),
    x.cpu === undefined || !Number.isFinite(x.cpu) ? '–' : verdict({ ...x, value: x.cpu }),
  ]);
  const parts = [
    `Date ${String(info.date).slice(0, 10)}, Node ${String(info.node)}, ${String(info.cpus)} cores (${String(info.cpuModel)}), code ${String(info.code ?? "work tree")}; median of ${String((info.cfg as { rounds: number }).rounds)} round(s) of ${String((info.cfg as { durationS: number }).durationS)} s; ratios of req/s are medians of per-round ratios; load average at the rounds' starts: ${((info.loadAverages as number[] | undefined) ?? []).map((x) => x.toFixed(1)).join(', ')}.`,
    '',
    comparison(res),
    '',
    `The headline of each read row is the server's CPU time per response against the ceiling's (1.00 = as cheap as a bare node:http server replaying the bytes; lower is cheaper): it holds when the machine is busy or the client is the limit, req/s does not. ${CLIENT_NOTE}`,
    '',
    info.proxy ? `${proxyTable(res, (info.stampedes as Stampede[] | undefined) ?? [], info.proxy === 'tessera', info.proxyError as string | undefined)}\n` : '',
    res.samples(readRow('full', true), 'tessera-10k').length ? `${scaleTable(res, memory, info.seed as { packages: number; tokens: number } | undefined)}\n` : '',
    markdownTable(['target', 'measured (req/s)', 'wanted', 'verdict', 'CPU view', 'CPU verdict'], tg),
  ];
  if (res.notes.length) parts.push('', 'Failed requests:', ...res.notes.map((n) => `- ${n}`));
  return `${parts.join('\n')}\n`;
}
