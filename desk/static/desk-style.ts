/** The page's stylesheet, served as /static/desk.css (the CSP allows no inline style). */
export const DESK_STYLE = String.raw`
:root { --ink: #1a202c; --muted: #5a6472; --line: #d9dee5; --bg: #f6f7f9; --red: #c53030; --amber: #b7791f; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink); background: var(--bg); }
a { color: #2456a6; }
header.top { display: flex; gap: 18px; align-items: baseline; padding: 10px 18px; background: #1f2937; color: #e5e7eb; flex-wrap: wrap; }
header.top a { color: #e5e7eb; text-decoration: none; margin-right: 12px; }
header.top a[aria-current] { font-weight: 600; border-bottom: 2px solid #93c5fd; }
.brand { font-weight: 700; letter-spacing: .02em; }
.where { color: #9ca3af; font-size: 12px; margin-left: auto; }
#live-status { color: #fbbf24; font-size: 12px; }
main { padding: 14px 18px 40px; }
h1 { font-size: 20px; margin: 4px 0 10px; }
h2 { font-size: 15px; margin: 14px 0 8px; }
.muted { color: var(--muted); }
.small, .kind-note, .cost { font-size: 12px; }
.note { color: var(--amber); font-size: 12px; }
.error { color: var(--red); }
form.filters { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: end; background: #fff; border: 1px solid var(--line); padding: 10px 12px; border-radius: 6px; margin-bottom: 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 2px; }
form.filters label.check { flex-direction: row; align-items: center; gap: 6px; color: var(--ink); font-size: 14px; }
form.filters input, form.filters select, form.filters button { font: inherit; padding: 4px 6px; border: 1px solid #b8c0cc; border-radius: 4px; background: #fff; }
form.filters button { background: #2456a6; color: #fff; border-color: #2456a6; cursor: pointer; }
a.preset { padding: 4px 8px; border: 1px solid var(--line); border-radius: 12px; text-decoration: none; background: #f8fafc; }
a.preset.current { background: #2456a6; color: #fff; border-color: #2456a6; }
table { border-collapse: collapse; }
table.queue { width: 100%; background: #fff; border: 1px solid var(--line); }
table.queue th, table.queue td { padding: 6px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
table.queue th { background: #eef1f5; font-size: 12px; color: var(--muted); font-weight: 600; }
table.queue tr.overdue td { background: #fff5f5; }
td.subject { max-width: 340px; overflow-wrap: anywhere; }
td.requester { max-width: 220px; overflow-wrap: anywhere; font-size: 13px; }
td.num, th.num { text-align: right; }
td.id a { font-weight: 600; white-space: nowrap; }
td.empty, p.empty { color: var(--muted); padding: 18px; text-align: center; }
.addr { color: var(--muted); }
.badge { display: inline-block; padding: 1px 7px; border-radius: 10px; font-size: 12px; background: #e2e8f0; white-space: nowrap; }
.badge.priority { background: #ede9fe; }
.status-open, .status-in_progress { background: #dbeafe; }
.status-pending, .status-planned { background: #e0f2fe; }
.status-needs_clarification { background: #fef3c7; }
.status-resolved { background: #dcfce7; }
.status-closed { background: #e5e7eb; color: var(--muted); }
.countdown { font-variant-numeric: tabular-nums; font-weight: 600; white-space: nowrap; }
.countdown.overdue { color: var(--red); }
.marker { display: inline-block; padding: 1px 6px; border-radius: 3px; font-size: 11px; font-weight: 700; letter-spacing: .03em; margin: 0 4px 2px 0; white-space: nowrap; }
.marker.breached { background: var(--red); color: #fff; }
.marker.paused { background: #fde68a; color: #78350f; }
.marker.breached-before { border: 1px solid var(--red); color: var(--red); font-weight: 600; }
.viewer-time { color: var(--muted); font-size: 12px; }
nav.pager { display: flex; gap: 16px; align-items: baseline; padding: 10px 2px; }
nav.pager .cost { margin-left: auto; }
.ticket-head .id { color: var(--muted); margin-right: 6px; }
table.facts th { text-align: left; font-weight: 500; color: var(--muted); padding: 2px 14px 2px 0; vertical-align: top; white-space: nowrap; }
table.facts td { padding: 2px 0; }
table.facts ul { margin: 0; padding-left: 16px; }
.columns { display: grid; grid-template-columns: minmax(0, 3fr) minmax(280px, 2fr); gap: 20px; align-items: start; }
aside section { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 4px 12px 10px; margin-bottom: 14px; }
article.msg { background: #fff; border: 1px solid var(--line); border-left: 6px solid #94a3b8; border-radius: 6px; margin: 0 0 12px; padding: 8px 12px; }
article.msg header { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
article.msg .kind { font-weight: 700; text-transform: uppercase; font-size: 12px; letter-spacing: .04em; }
article.msg .dir { margin-left: auto; color: var(--muted); font-size: 12px; }
article.msg .meta { font-size: 13px; margin: 4px 0; }
article.msg .meta .k { display: inline-block; width: 58px; color: var(--muted); }
pre.body { white-space: pre-wrap; overflow-wrap: anywhere; font: 13px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; background: rgba(255,255,255,.6); margin: 6px 0; padding: 6px 8px; border-radius: 4px; max-height: 480px; overflow: auto; }
.kind-customer { border-left-color: #2b6cb0 !important; background: #f3f8ff !important; }
.kind-customer .kind { color: #2b6cb0; }
.kind-agent { border-left-color: #2f855a !important; background: #f3fcf6 !important; }
.kind-agent .kind { color: #2f855a; }
.kind-note { border-left-color: var(--amber) !important; background: #fffbea !important; border-style: dashed !important; }
.kind-note .kind { color: var(--amber); }
.kind-system { border-left-color: #718096 !important; background: #f7f8fa !important; }
.kind-system .kind { color: #4a5568; }
.kind-bounce { border-left-color: var(--red) !important; background: #fff5f5 !important; }
.kind-bounce .kind { color: var(--red); }
.kind-auto-reply { border-left-color: #6b46c1 !important; background: #faf5ff !important; }
.kind-auto-reply .kind { color: #6b46c1; }
ul.attachments { margin: 4px 0; padding-left: 18px; font-size: 13px; }
img.preview { max-width: 240px; max-height: 160px; border: 1px solid var(--line); margin-top: 4px; }
p.raw { margin: 4px 0 0; font-size: 12px; }
.timeline ol { list-style: none; margin: 0; padding: 0; font-size: 13px; }
.timeline li { padding: 4px 0 4px 10px; border-left: 3px solid var(--line); margin-left: 4px; }
.timeline .ev-kind { display: inline-block; min-width: 74px; font-size: 11px; text-transform: uppercase; color: var(--muted); }
.timeline li.ev-breach, .timeline li.ev-escalation { border-left-color: var(--red); }
.timeline li.ev-pause, .timeline li.ev-resume { border-left-color: var(--amber); }
.timeline li.due { border-left-style: dotted; color: var(--muted); }
.timeline li.due.late { color: var(--red); }
svg.chart { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 6px; max-width: 100%; height: auto; }
svg.chart text { font: 12px system-ui, sans-serif; fill: var(--ink); }
svg.chart text.head { font-weight: 600; }
svg.chart text.val, svg.chart text.legend { fill: var(--muted); font-size: 11px; }
svg.chart .bar-fr { fill: #3b82f6; }
svg.chart .bar-res { fill: #10b981; }
svg.chart .bar-breach { fill: #ef4444; }
svg.chart line.grid { stroke: #eef1f5; }
svg.chart .total text.label { font-weight: 700; }
table.report { background: #fff; border: 1px solid var(--line); margin-top: 12px; }
table.report th, table.report td { padding: 5px 10px; border-bottom: 1px solid var(--line); }
table.report tr.total td { font-weight: 700; }
code { background: #eef1f5; padding: 1px 4px; border-radius: 3px; }
@media (max-width: 900px) { .columns { grid-template-columns: 1fr; } }
`;
