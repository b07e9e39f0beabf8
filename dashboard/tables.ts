import { formatNumber } from './chart-options.js';
import type { StudyAnalysis, StudyView } from './study-data.js';

/** HTML fragments (escaped) shared by the dashboard and the report. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const cell = (v: unknown) => `<td>${escapeHtml(typeof v === 'number' ? formatNumber(v) : (v ?? '-'))}</td>`;
const params = (p: Record<string, unknown>) =>
  Object.entries(p)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatNumber(v) : String(v)}`)
    .join(' ');

export function studiesTable(studies: StudyView[], link: (studyId: string) => string): string {
  if (studies.length === 0)
    return '<p class="empty">No studies yet: create one with <code>POST /v1/studies</code> or <code>rung run</code>.</p>';
  const rows = studies.map(
    (s) =>
      `<tr data-study-id="${escapeHtml(s.studyId)}"><td><a href="${escapeHtml(link(s.studyId))}">${escapeHtml(s.name)}</a></td>${cell(s.studyId)}<td><span class="state state-${escapeHtml(s.state)}">${escapeHtml(s.state)}</span></td>${cell(s.spec.strategy.execution ?? 'workflow')}${cell(s.createdAt.replace('T', ' ').slice(0, 19))}${cell(s.best?.value)}</tr>`,
  );
  return `<table class="studies"><thead><tr><th>study</th><th>id</th><th>state</th><th>execution</th><th>created</th><th>best</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function summaryHtml(a: StudyAnalysis): string {
  const s = a.study;
  const counts = Object.entries(s.trialCounts ?? {})
    .map(([k, v]) => `<span class="state state-${escapeHtml(k)}">${escapeHtml(k)} ${v}</span>`)
    .join(' ');
  const unit = s.spec.strategy.scheduler.resource;
  const tiles = [
    ['state', `<span class="state state-${escapeHtml(s.state)}">${escapeHtml(s.state)}</span>`],
    ['trials', `<span data-trials="${a.trials.length}">${a.trials.length} of ${s.spec.limits.maxTrials}</span> ${counts}`],
    [
      'best',
      s.best
        ? `<span class="best" data-best-trial="${escapeHtml(s.best.trialId)}">${escapeHtml(s.spec.objective.metric)} ${escapeHtml(formatNumber(s.best.value))}</span> (trial ${escapeHtml(s.best.trialId)}, ${escapeHtml(formatNumber(s.best.resource))} ${escapeHtml(unit)})`
        : '-',
    ],
    [
      'strategy',
      `${escapeHtml(s.spec.strategy.sampler)} · ${escapeHtml(s.spec.strategy.scheduler.type)} · ${escapeHtml(s.spec.strategy.execution ?? 'workflow')} · parallelism ${s.spec.limits.parallelism}`,
    ],
  ];
  if (a.costUsd !== undefined || s.spec.limits.maxCostUsd !== undefined) tiles.push(['cost so far', costHtml(a)]);
  const waiting = (s.enqueued ?? []).filter((e) => !e.trialId).length;
  if (waiting > 0) tiles.push(['enqueued', `${waiting} waiting`]);
  if (s.error) tiles.push(['error', escapeHtml(s.error)]);
  return `<dl class="summary">${tiles.map(([k, v]) => `<div><dt>${escapeHtml(k)}</dt><dd>${v}</dd></div>`).join('')}</dl>`;
}

/**
 * Spent against the budget (`limits.maxCostUsd`): the dollars, a meter, and what running jobs have
 * reserved (the ledger admits a job only if spent + reserved + its forecast fits the budget).
 */
function costHtml(a: StudyAnalysis): string {
  const spent = a.costUsd ?? 0;
  const max = a.study.spec.limits.maxCostUsd;
  // Cents hide what CPU-second jobs cost: below a cent, two significant digits.
  const money = (v: number) => `$${v >= 10 ? v.toFixed(0) : v >= 0.01 || v === 0 ? v.toFixed(2) : v.toPrecision(2)}`;
  const amount = `<span data-cost="${spent}">${escapeHtml(money(spent))}</span>`;
  if (max === undefined) return amount;
  const reserved = Object.values(a.study.cost?.reservedUsd ?? {}).reduce((x, y) => x + y, 0);
  const share = Math.min(1, spent / max);
  const percent = share > 0 && share < 0.01 ? '<1%' : `${(share * 100).toFixed(0)}%`;
  return `${amount} of <span data-budget="${max}">${escapeHtml(money(max))}</span> <meter class="budget" min="0" max="1" low="0.75" high="0.9" optimum="0" value="${share}" title="${escapeHtml(percent)} of the budget"></meter> ${escapeHtml(percent)}${reserved > 0 ? ` · ${escapeHtml(money(reserved))} reserved` : ''}${a.study.cost?.budgetExhausted ? ' · <span class="state state-FAILED">budget reached</span>' : ''}`;
}

export function bestTrialsTable(a: StudyAnalysis, limit = 10): string {
  const { metric } = a.study.spec.objective;
  const unit = a.study.spec.strategy.scheduler.resource;
  const top = a.ranked.slice(0, limit);
  if (top.length === 0) return '<p class="empty">No trial has reported the objective yet.</p>';
  const rows = top.map(
    (t, i) =>
      `<tr data-trial-id="${escapeHtml(t.trialId)}">${cell(i + 1)}${cell(t.trialId)}<td><span class="state state-${escapeHtml(t.state)}">${escapeHtml(t.state)}</span></td>${cell(t.resource)}${cell(t.value)}<td class="params">${escapeHtml(params(t.params))}</td></tr>`,
  );
  return `<table class="best-trials"><thead><tr><th>#</th><th>trial</th><th>state</th><th>${escapeHtml(unit)}</th><th>${escapeHtml(metric)}</th><th>parameters</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

export function importanceTable(a: StudyAnalysis): string {
  const imp = a.importance;
  const unit = a.study.spec.strategy.scheduler.resource;
  const rows = imp.parameters.map(
    (p) =>
      `<tr data-param="${escapeHtml(p.name)}">${cell(p.name)}${cell(Number(p.importance.toFixed(3)))}<td>${(p.share * 100).toFixed(0)}%</td>${cell(p.groups)}</tr>`,
  );
  const basis =
    imp.n === 0
      ? 'No values yet.'
      : `From ${imp.n} values at ${escapeHtml(formatNumber(imp.resource ?? 0))} ${escapeHtml(unit)}: ω² of a one-way ANOVA of the objective on each parameter's (binned) values, corrected for chance; first-order only.`;
  return `<table class="importance"><thead><tr><th>parameter</th><th>ω²</th><th>share</th><th>groups</th></tr></thead><tbody>${rows.join('')}</tbody></table><p class="note">${basis}</p>`;
}
