// The built-in page: a small client of the REST API, with no framework and no build step.
'use strict';

const view = document.getElementById('view');

function element(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value);
  }
  for (const child of children) node.append(child instanceof Node ? child : String(child ?? ''));
  return node;
}

function say(text) { document.getElementById('message').textContent = text; }

// Calls the API with the token the user gave, if the server asks for one.
async function api(method, path, body) {
  const headers = {};
  const token = localStorage.getItem('conductorToken');
  if (token) headers['X-Authorization'] = token;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (response.status === 401) {
    const given = prompt('This server needs its access token:');
    if (given) { localStorage.setItem('conductorToken', given); return api(method, path, body); }
  }
  const text = await response.text();
  if (!response.ok) {
    let message = text;
    try { message = JSON.parse(text).message || text; } catch (e) { /* not JSON */ }
    throw new Error(`${response.status}: ${message}`);
  }
  const type = response.headers.get('Content-Type') || '';
  return type.includes('json') && text ? JSON.parse(text) : text;
}

const time = (ms) => (ms ? new Date(Number(ms)).toISOString().replace('T', ' ').replace('Z', '') : '');
const statusCell = (status) => element('td', { class: `status ${status}` }, status);
const quote = (text) => `'${String(text).replace(/'/g, '')}'`;

async function searchPage(params) {
  const form = element('form', { class: 'search' },
    element('label', {}, 'Workflow name', element('input', { name: 'name', value: params.get('name') || '' })),
    element('label', {}, 'Status', element('select', { name: 'status' },
      ...['', 'RUNNING', 'PAUSED', 'COMPLETED', 'FAILED', 'TIMED_OUT', 'TERMINATED'].map((s) => {
        const option = element('option', { value: s }, s || 'any');
        if (s === (params.get('status') || '')) option.selected = true;
        return option;
      }))),
    element('label', {}, 'Started after', element('input', { name: 'from', type: 'datetime-local', value: params.get('from') || '' })),
    element('label', {}, 'Started before', element('input', { name: 'to', type: 'datetime-local', value: params.get('to') || '' })),
    element('label', {}, 'Correlation id', element('input', { name: 'correlationId', value: params.get('correlationId') || '' })),
    element('button', { type: 'submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const query = new URLSearchParams();
    for (const [name, value] of new FormData(form)) if (value) query.set(name, value);
    location.hash = `#/?${query}`;
  });
  const results = element('div');
  view.replaceChildren(element('h2', {}, 'Workflows'), form, results);

  const conditions = [];
  if (params.get('name')) conditions.push(`workflowType = ${quote(params.get('name'))}`);
  if (params.get('status')) conditions.push(`status = ${params.get('status')}`);
  if (params.get('from')) conditions.push(`startTime > ${Date.parse(params.get('from') + 'Z')}`);
  if (params.get('to')) conditions.push(`startTime < ${Date.parse(params.get('to') + 'Z')}`);
  if (params.get('correlationId')) conditions.push(`correlationId = ${quote(params.get('correlationId'))}`);
  const search = new URLSearchParams({ start: 0, size: 100, sort: 'startTime:DESC', freeText: '*', query: conditions.join(' AND ') });
  const found = await api('GET', `/api/workflow/search?${search}`);
  results.replaceChildren(
    element('p', {}, `${found.totalHits} workflow(s)`),
    element('table', { id: 'workflows' },
      element('tr', {}, ...['Workflow id', 'Name', 'Version', 'Status', 'Started', 'Ended', 'Correlation id'].map((h) => element('th', {}, h))),
      ...found.results.map((w) => element('tr', {},
        element('td', {}, element('a', { href: `#/workflow/${w.workflowId}` }, w.workflowId)),
        element('td', {}, w.workflowType), element('td', {}, w.version), statusCell(w.status),
        element('td', {}, w.startTime || ''), element('td', {}, w.endTime || ''), element('td', {}, w.correlationId || '')))));
}

async function diagramInto(container, path) {
  try {
    container.innerHTML = await api('GET', path);
  } catch (error) {
    container.textContent = `No diagram: ${error.message}`;
  }
}

function taskRows(task) {
  const detail = element('tr', { class: 'detail', hidden: '' }, element('td', { colspan: 8 }));
  const row = element('tr', {},
    element('td', {}, element('a', { href: 'javascript:void 0', onclick: async () => {
      if (!detail.hidden) { detail.hidden = true; return; }
      const logs = await api('GET', `/api/tasks/${task.taskId}/log`);
      detail.firstChild.replaceChildren(
        element('b', {}, 'Input'), element('pre', {}, JSON.stringify(task.inputData, null, 2)),
        element('b', {}, 'Output'), element('pre', {}, JSON.stringify(task.outputData, null, 2)),
        element('b', {}, 'Logs'), element('pre', {}, logs.map((l) => `${time(l.createdTime)} ${l.log}`).join('\n') || '(none)'),
        task.reasonForIncompletion ? element('p', {}, `Reason: ${task.reasonForIncompletion}`) : '');
      detail.hidden = false;
    } }, task.referenceTaskName)),
    element('td', {}, task.taskType), statusCell(task.status), element('td', {}, task.retryCount),
    element('td', {}, task.iteration || ''), element('td', {}, time(task.startTime)), element('td', {}, time(task.endTime)),
    element('td', {}, task.startTime && task.endTime ? `${task.endTime - task.startTime} ms` : ''));
  return [row, detail];
}

async function workflowPage(id) {
  const workflow = await api('GET', `/api/workflow/${encodeURIComponent(id)}?includeTasks=true`);
  const act = (label, method, path) => element('button', { onclick: async () => {
    try { await api(method, path); say(`${label}: done`); route(); } catch (error) { say(`${label}: ${error.message}`); }
  } }, label);
  const base = `/api/workflow/${encodeURIComponent(id)}`;
  const diagram = element('div', { class: 'diagram', id: 'diagram' });
  view.replaceChildren(
    element('h2', {}, `${workflow.workflowName} v${workflow.workflowVersion}`),
    element('p', {}, 'Id ', element('code', { id: 'workflow-id' }, workflow.workflowId), ' · status ',
      element('span', { class: `status ${workflow.status}`, id: 'workflow-status' }, workflow.status),
      ` · started ${time(workflow.startTime || workflow.createTime)}`, workflow.endTime ? ` · ended ${time(workflow.endTime)}` : '',
      workflow.correlationId ? ` · correlation id ${workflow.correlationId}` : '',
      workflow.parentWorkflowId ? element('span', {}, ' · parent ', element('a', { href: `#/workflow/${workflow.parentWorkflowId}` }, workflow.parentWorkflowId)) : ''),
    workflow.reasonForIncompletion ? element('p', {}, `Reason: ${workflow.reasonForIncompletion}`) : '',
    element('div', { class: 'actions' },
      act('Pause', 'PUT', `${base}/pause`), act('Resume', 'PUT', `${base}/resume`),
      act('Retry', 'POST', `${base}/retry`), act('Terminate', 'DELETE', `${base}?reason=${encodeURIComponent('terminated from the web page')}`)),
    diagram,
    element('h3', {}, 'Tasks'),
    element('table', { id: 'tasks' },
      element('tr', {}, ...['Reference', 'Type', 'Status', 'Retry', 'Iteration', 'Started', 'Ended', 'Took'].map((h) => element('th', {}, h))),
      ...workflow.tasks.flatMap(taskRows)),
    element('h3', {}, 'Input'), element('pre', {}, JSON.stringify(workflow.input, null, 2)),
    element('h3', {}, 'Output'), element('pre', {}, JSON.stringify(workflow.output, null, 2)));
  await diagramInto(diagram, `/diagram/run/${encodeURIComponent(id)}.svg`);
  // Sub-workflow links in the diagram open the child here rather than the bare SVG.
  for (const link of diagram.querySelectorAll('a')) {
    const target = link.getAttribute('xlink:href') || link.getAttribute('href') || '';
    const child = target.match(/^\/diagram\/run\/(.+)\.svg$/);
    if (child) link.setAttribute('xlink:href', `#/workflow/${child[1]}`);
  }
}

async function definitionsPage() {
  const definitions = await api('GET', '/api/metadata/workflow');
  view.replaceChildren(element('h2', {}, 'Definitions'),
    element('table', { id: 'definitions' },
      element('tr', {}, ...['Name', 'Version', 'Description', 'Tasks'].map((h) => element('th', {}, h))),
      ...definitions.map((d) => element('tr', {},
        element('td', {}, element('a', { href: `#/definition/${encodeURIComponent(d.name)}/${d.version}` }, d.name)),
        element('td', {}, d.version), element('td', {}, d.description || ''), element('td', {}, (d.tasks || []).length)))));
}

async function definitionPage(name, version) {
  const definition = await api('GET', `/api/metadata/workflow/${encodeURIComponent(name)}?version=${version}`);
  const diagram = element('div', { class: 'diagram', id: 'diagram' });
  view.replaceChildren(element('h2', {}, `${name} v${version}`), diagram,
    element('p', {}, element('a', { href: `#/?name=${encodeURIComponent(name)}` }, 'Its workflows')),
    element('pre', {}, JSON.stringify(definition, null, 2)));
  await diagramInto(diagram, `/diagram/definition/${encodeURIComponent(name)}.svg?version=${version}`);
}

async function route() {
  const hash = location.hash.replace(/^#/, '') || '/';
  const [path, query] = hash.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  try {
    if (parts[0] === 'workflow' && parts[1]) await workflowPage(parts[1]);
    else if (parts[0] === 'definitions') await definitionsPage();
    else if (parts[0] === 'definition' && parts[1]) await definitionPage(parts[1], parts[2] || 1);
    else await searchPage(new URLSearchParams(query || ''));
    document.body.dataset.ready = 'true';
  } catch (error) {
    view.replaceChildren(element('p', { id: 'error' }, error.message));
    document.body.dataset.ready = 'true';
  }
}

window.addEventListener('hashchange', () => { document.body.dataset.ready = 'false'; route(); });
route();
