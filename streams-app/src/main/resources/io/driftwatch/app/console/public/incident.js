'use strict';
/* One incident (incident.html?id=...): header, timeline with exec-session lanes, alerts, responses, captures. */
(() => {
  const D = Driftwatch;
  const AROUND = 5 * 60 * 1000;
  const TIMELINE_PAGES = 5;
  const WORKLOAD = 'workload';
  let incidentId = null;

  function renderHeader(incident) {
    D.setText('severity', incident.severity);
    D.byId('severity').className = 'badge sev-' + incident.severity;
    D.setText('incident-title', incident.title || incident.incidentId);
    D.setText('incident-id', incident.incidentId);
    D.setText('status', incident.status);
    D.setText('rule-ids', D.list(incident.ruleIds));
    D.setText('mitre', D.list(incident.mitre));
    D.setText('tactics', D.list(incident.tactics));
    D.setText('namespace', incident.namespace);
    D.setText('pod', incident.podName);
    D.setText('container-name', incident.containerName);
    D.setText('container-id', incident.containerId);
    D.setText('image', incident.image);
    D.setText('node', incident.node);
    D.setText('users', D.list(incident.users));
    D.setText('sessions', D.list(incident.sessions));
    D.setText('first-seen', D.time(incident.firstSeen));
    D.setText('last-seen', D.time(incident.lastSeen));
    D.setText('alert-count', incident.alertCount);
    document.title = 'Driftwatch — ' + (incident.title || incident.incidentId);

    D.byId('responses').querySelector('tbody').replaceChildren(...incident.responses.map(r => D.el('tr', {
          'data-test': 'response-row', 'data-action': r.action, class: r.status ? 'outcome-' + r.status : 'outcome-pending'
        },
        D.el('td', {'data-col': 'action', text: r.action}),
        D.el('td', {'data-col': 'status', text: r.status || 'pending'}),
        D.el('td', {'data-col': 'detail', text: r.detail || ''}),
        D.el('td', {'data-col': 'node', text: r.node || ''}),
        D.el('td', {'data-col': 'issuedAt', text: D.time(r.issuedAt)}),
        D.el('td', {'data-col': 'finishedAt', text: D.time(r.finishedAt)}))));

    D.byId('captures').replaceChildren(...incident.captureIds.map(id => {
      const path = 'api/v1/captures/' + encodeURIComponent(id);
      const link = D.el('a', {href: path, 'data-test': 'capture-link', 'data-capture-id': id, download: id + '.jsonl'},
          'capture ' + id + ' (JSON lines for replay)');
      link.addEventListener('click', event => {
        // Through fetch, so that a bearer token goes along.
        event.preventDefault();
        D.download(path, link.getAttribute('download')).catch(D.showError);
      });
      return D.el('li', {}, link);
    }));
    D.byId('evidence').replaceChildren(...incident.evidence.map(ref =>
        D.el('li', {'data-test': 'evidence'}, 'evidence bundle: ', D.el('code', {text: ref}))));
    D.byId('history').replaceChildren(...incident.history.map(change => D.el('li', {'data-test': 'history'},
        D.time(change.at) + ' ' + change.status + ' by ' + change.user + (change.note ? ': ' + change.note : ''))));
    if (!incident.history.length) {
      D.byId('history').appendChild(D.el('li', {class: 'hint', text: 'No changes yet: opened by Driftwatch.'}));
    }

    const closed = incident.status === 'RESOLVED' || incident.status === 'FALSE_POSITIVE';
    const acknowledged = incident.plan && incident.plan.acknowledgedAt;
    document.querySelectorAll('.actions button').forEach(b => {
      // Acknowledging a contained incident records the acknowledgement (the status stays): allowed once.
      b.disabled = closed || b.dataset.status === incident.status
          || (b.dataset.status === 'ACKNOWLEDGED' && (!incident.plan || acknowledged) && incident.status !== 'OPEN');
    });
    renderPlan(incident);
  }

  /** 90061000 -> "1d 1h 1m"; negative -> "overdue by ...". */
  function left(ms) {
    const late = ms < 0;
    let rest = Math.abs(ms);
    const parts = [];
    [['d', 86400000], ['h', 3600000], ['m', 60000], ['s', 1000]].forEach(([unit, size]) => {
      const n = Math.floor(rest / size);
      rest -= n * size;
      if (n && parts.length < 3) {
        parts.push(n + unit);
      }
    });
    const text = parts.length ? parts.join(' ') : '0s';
    return late ? 'overdue by ' + text : text;
  }

  function recipients(list) {
    return (list || []).map(r => (r.name || r.contact) + (r.via ? ' via ' + r.via : '')).join(', ');
  }

  function planButton(label, target, id, status) {
    const button = D.el('button', {type: 'button', 'data-test': 'plan-' + target + '-' + status,
      'data-target': target, 'data-id': id, 'data-status': status, text: label});
    button.addEventListener('click', () => updatePlan(target, id, status));
    return button;
  }

  /** The plan panel: every value comes from events or the plan file and goes in as text, never as markup. */
  function renderPlan(incident) {
    const section = D.byId('plan');
    const plan = incident.plan;
    D.byId('plan-none').hidden = !!plan;
    D.byId('plan-body').hidden = !plan;
    if (!plan) {
      D.loaded(section, 'ready');
      return;
    }
    D.setText('plan-class', plan.className + (plan.classTitle ? ' — ' + plan.classTitle : ''));
    D.setText('plan-lead', (plan.lead || '') + (plan.leadRecipients.length ? ' (' + recipients(plan.leadRecipients) + ')' : ''));
    D.setText('plan-channels', D.list(plan.channels));
    D.setText('plan-started', D.time(plan.startedAt));
    D.setText('plan-ack', plan.acknowledgedAt ? D.time(plan.acknowledgedAt) + ' by ' + plan.acknowledgedBy
        : 'not acknowledged');
    D.setText('plan-version', plan.planName + ' ' + plan.planVersion);
    const closed = incident.status === 'RESOLVED' || incident.status === 'FALSE_POSITIVE';
    D.byId('plan-steps').querySelector('tbody').replaceChildren(...plan.steps.map(s => D.el('tr', {
          'data-test': 'plan-step', 'data-step': s.id, class: 'step-' + s.status
        },
        D.el('td', {'data-col': 'status', text: s.status}),
        D.el('td', {'data-col': 'title'}, D.el('strong', {text: s.id}), ' ' + s.title),
        D.el('td', {'data-col': 'kind', text: s.action ? 'automated: ' + s.action : 'manual'}),
        D.el('td', {'data-col': 'by', text: s.by ? s.by + ' ' + D.time(s.at) : ''}),
        D.el('td', {'data-col': 'note', text: s.note || ''}),
        D.el('td', {}, closed ? null : [s.status !== 'done' ? planButton('Done', 'steps', s.id, 'done') : null,
          s.status === 'pending' ? planButton('Skip', 'steps', s.id, 'skipped') : null]))));
    const now = Date.now();
    D.byId('plan-escalations').querySelector('tbody').replaceChildren(...plan.escalations.map(e => {
      const state = e.firedAt ? 'sent ' + D.time(e.firedAt)
          : e.stoppedAt ? 'stopped ' + D.time(e.stoppedAt) + ' by ' + e.stoppedBy
              : 'waiting (in ' + left(e.dueAt - now) + ')';
      return D.el('tr', {'data-test': 'plan-tier', 'data-tier': e.tier,
          class: e.firedAt ? 'tier-fired' : e.stoppedAt ? 'tier-stopped' : 'tier-waiting'},
        D.el('td', {'data-col': 'tier', text: e.tier}),
        D.el('td', {'data-col': 'after', text: left(e.afterMs)}),
        D.el('td', {'data-col': 'due', text: D.time(e.dueAt)}),
        D.el('td', {'data-col': 'state', text: state}),
        D.el('td', {'data-col': 'notify', text: D.list(e.notify)}),
        D.el('td', {'data-col': 'channels', text: D.list(e.channels)}));
    }));
    D.byId('plan-obligations').querySelector('tbody').replaceChildren(...plan.obligations.map(o => D.el('tr', {
          'data-test': 'plan-obligation', 'data-obligation': o.id, class: 'obligation-' + o.status
        },
        D.el('td', {'data-col': 'status', text: o.status}),
        D.el('td', {'data-col': 'title'}, D.el('strong', {text: o.id}), ' ' + o.title),
        D.el('td', {'data-col': 'due', text: D.time(o.dueAt)}),
        D.el('td', {'data-col': 'left', text: o.status === 'open' || o.status === 'overdue' ? left(o.dueAt - now) : ''}),
        D.el('td', {'data-col': 'reminders', text: o.remindersSent + ' of ' + o.remindAt.length}),
        D.el('td', {'data-col': 'by', text: o.by ? o.by + ' ' + D.time(o.at) + (o.note ? ': ' + o.note : '') : ''}),
        D.el('td', {}, o.status === 'open' || o.status === 'overdue'
            ? [planButton('Met', 'obligations', o.id, 'met'), planButton('Waive', 'obligations', o.id, 'waived')]
            : null))));
    D.byId('plan-notices').querySelector('tbody').replaceChildren(...plan.notices.slice().reverse().map(n => D.el('tr', {
          'data-test': 'plan-notice', 'data-notification': n.notificationId, class: 'outcome-' + n.outcome
        },
        D.el('td', {'data-col': 'at', text: D.time(n.at)}),
        D.el('td', {'data-col': 'kind', text: n.kind + (n.tier ? ' ' + n.tier : '')}),
        D.el('td', {'data-col': 'channel', text: n.channel || '—'}),
        D.el('td', {'data-col': 'outcome', text: n.outcome}),
        D.el('td', {'data-col': 'recipients', text: recipients(n.recipients)}),
        D.el('td', {'data-col': 'reference', text: n.reference || n.detail || ''}))));
    D.loaded(section, 'ready');
  }

  async function updatePlan(target, id, status) {
    const result = D.byId('plan-result');
    result.dataset.state = 'loading';
    D.clearError();
    D.rememberUser(D.byId('user-name').value);
    try {
      const note = D.byId('note').value.trim();
      const updated = await D.post('api/v1/incidents/' + encodeURIComponent(incidentId) + '/plan/' + target + '/'
          + encodeURIComponent(id), note ? {status: status, note: note} : {status: status});
      renderHeader(updated);
      result.textContent = (target === 'steps' ? 'Step ' : 'Obligation ') + id + ' is now ' + status + '.';
      D.loaded(result, 'ready');
    } catch (e) {
      result.textContent = e.message;
      D.loaded(result, 'error');
    }
  }

  async function loadAlerts(incident) {
    const table = D.byId('alerts');
    if (!incident.alertIds.length) {
      table.querySelector('tbody').replaceChildren();
      D.loaded(table, 'ready');
      return [];
    }
    const answer = await D.get('api/v1/alerts', {alertId: incident.alertIds, limit: 1000});
    table.querySelector('tbody').replaceChildren(...answer.alerts.map(a => D.el('tr', {
          'data-test': 'alert-row', 'data-alert-id': a.alertId, class: 'sev-' + a.severity
        },
        D.el('td', {'data-col': 'time', text: D.time(a.timestamp)}),
        D.el('td', {'data-col': 'severity', text: a.severity}),
        D.el('td', {'data-col': 'ruleId', text: a.ruleId}),
        D.el('td', {'data-col': 'message', text: a.message || a.ruleName || ''}),
        D.el('td', {'data-col': 'process', text: a.processName || ''}),
        D.el('td', {'data-col': 'path', class: 'mono', text: a.path || ''}),
        D.el('td', {'data-col': 'users', text: D.list(a.users)}),
        D.el('td', {'data-col': 'mitre', text: D.list(a.mitre)}))));
    D.loaded(table, 'ready');
    return answer.alerts;
  }

  /** Which lane a trail event or an alert goes in: its exec sessions and users, or the workload. Layout only. */
  function laneOf(item) {
    if (item.sessions && item.sessions.length) {
      return D.list(item.users) + ' (session ' + D.list(item.sessions) + ')';
    }
    if (item.users && item.users.length) {
      return D.list(item.users);
    }
    return WORKLOAD;
  }

  async function loadTimeline(incident, alerts) {
    const chartNode = D.byId('timeline');
    const lanesNode = D.byId('lanes');
    const params = {
      containerId: incident.containerId, from: incident.firstSeen - AROUND, to: incident.lastSeen + AROUND, limit: 1000
    };
    D.byId('trail-link').setAttribute('href', 'trail.html?' + D.query(params).toString());
    const events = [];
    let cursor = null;
    for (let page = 0; page < TIMELINE_PAGES; page++) {
      const answer = await D.get('api/v1/trail', Object.assign({}, params, cursor ? {cursor: cursor} : {}));
      events.push(...answer.events);
      cursor = answer.next;
      if (!cursor) {
        break;
      }
    }
    const lanes = new Map();
    events.forEach(e => {
      const lane = laneOf(e);
      if (!lanes.has(lane)) {
        lanes.set(lane, []);
      }
      lanes.get(lane).push(e);
    });
    alerts.forEach(a => {
      if (!lanes.has(laneOf(a))) {
        lanes.set(laneOf(a), []);
      }
    });
    const names = Array.from(lanes.keys()).sort((a, b) => (a === WORKLOAD) - (b === WORKLOAD) || a.localeCompare(b));
    lanesNode.replaceChildren(...names.map(name => {
      const inLane = lanes.get(name);
      return D.el('li', {'data-test': 'lane', 'data-lane': name}, D.el('strong', {text: name}), ': ' + inLane.length
          + ' events' + (inLane.length ? ', ' + D.time(inLane[0].event.timestamp) + ' to '
              + D.time(inLane[inLane.length - 1].event.timestamp) : ''));
    }));
    if (cursor) {
      lanesNode.appendChild(D.el('li', {class: 'hint'}, 'More events than shown: open the trail for all of them.'));
    }
    const chart = D.chart(chartNode);
    if (chart) {
      const point = e => ({
        value: [e.event.timestamp, laneOf(e)],
        // Tooltip text is drawn on the canvas (richText), never parsed as HTML.
        tip: e.event.type + ' ' + e.event.path + (e.event.processName ? ' (' + e.event.processName + ')' : '')
      });
      chart.setOption({
        animation: false,
        tooltip: {
          trigger: 'item', renderMode: 'richText',
          formatter: p => D.time(p.value[0]) + '\n' + p.data.tip
        },
        legend: {data: ['events', 'cited by an alert', 'alerts']},
        grid: {left: 16, right: 24, top: 32, bottom: 28, containLabel: true},
        xAxis: {type: 'time', min: params.from, max: params.to},
        yAxis: {type: 'category', data: names.slice().reverse()},
        series: [
          {name: 'events', type: 'scatter', symbolSize: 8, data: events.filter(e => !e.alertIds.length).map(point)},
          {
            name: 'cited by an alert', type: 'scatter', symbolSize: 12, itemStyle: {color: '#d84315'},
            data: events.filter(e => e.alertIds.length).map(point)
          },
          {
            name: 'alerts', type: 'scatter', symbol: 'diamond', symbolSize: 14, itemStyle: {color: '#8e0000'},
            data: alerts.map(a => ({
              value: [a.timestamp, laneOf(a)],
              tip: a.severity + ' ' + a.ruleId + ': ' + (a.message || '')
            }))
          }
        ]
      }, true);
    }
    chartNode.dataset.events = String(events.length);
    D.loaded(chartNode, 'ready');
    D.loaded(lanesNode, 'ready');
  }

  async function load() {
    const main = D.byId('incident');
    main.dataset.state = 'loading';
    try {
      const incident = await D.get('api/v1/incidents/' + encodeURIComponent(incidentId));
      renderHeader(incident);
      D.loaded(main, 'ready');
      const alerts = await loadAlerts(incident);
      if (incident.containerId) {
        await loadTimeline(incident, alerts);
      }
    } catch (e) {
      D.showError(e);
      D.loaded(main, 'error');
    }
  }

  async function changeStatus(status) {
    const result = D.byId('action-result');
    result.dataset.state = 'loading';
    D.clearError();
    D.rememberUser(D.byId('user-name').value);
    try {
      const updated = await D.post('api/v1/incidents/' + encodeURIComponent(incidentId) + '/status',
          {status: status, note: D.byId('note').value});
      renderHeader(updated);
      result.textContent = 'Now ' + updated.status + '.';
      D.byId('note').value = '';
      D.loaded(result, 'ready');
    } catch (e) {
      result.textContent = e.message;
      D.loaded(result, 'error');
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    incidentId = new URLSearchParams(location.search).get('id');
    if (!incidentId) {
      D.showError('No incident id: open an incident from the list.');
      D.loaded(D.byId('incident'), 'error');
      return;
    }
    document.querySelectorAll('.actions button').forEach(button =>
        button.addEventListener('click', () => changeStatus(button.dataset.status)));
    load();
  });
})();
