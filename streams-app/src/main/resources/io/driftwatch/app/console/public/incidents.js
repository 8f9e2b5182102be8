'use strict';
/* The incidents list (/): filters in the URL, counts by severity, alerts over time; all from the HTTP API. */
(() => {
  const D = Driftwatch;

  function filtersFromUrl() {
    const params = new URLSearchParams(location.search);
    const split = name => params.getAll(name).flatMap(v => v.split(',')).map(v => v.trim().toUpperCase()).filter(v => v);
    return {status: split('status'), severity: split('severity'), namespace: params.get('namespace') || ''};
  }

  function filtersFromForm() {
    const form = D.byId('incident-filters');
    const checked = name => Array.from(form.querySelectorAll('input[name="' + name + '"]:checked')).map(i => i.value);
    return {status: checked('status'), severity: checked('severity'), namespace: D.byId('f-namespace').value.trim()};
  }

  function fillForm(filters) {
    const form = D.byId('incident-filters');
    form.querySelectorAll('input[type="checkbox"]').forEach(input => {
      input.checked = (filters[input.name] || []).includes(input.value);
    });
    D.byId('f-namespace').value = filters.namespace;
  }

  function where(incident) {
    const place = (incident.namespace || '?') + '/' + (incident.podName || incident.containerName || incident.containerId || '?');
    return incident.image ? place + ' (' + incident.image + ')' : place;
  }

  async function loadIncidents(filters) {
    const table = D.byId('incidents');
    table.dataset.state = 'loading';
    try {
      const answer = await D.get('api/v1/incidents', filters);
      D.SEVERITIES.forEach(s => D.setText('count-' + s, answer.counts[s] || 0));
      const body = table.querySelector('tbody');
      body.replaceChildren(...answer.incidents.map(incident => D.el('tr', {
            'data-test': 'incident-row', 'data-incident-id': incident.incidentId, class: 'sev-' + incident.severity
          },
          D.el('td', {'data-col': 'severity', text: incident.severity}),
          D.el('td', {'data-col': 'status', text: incident.status}),
          D.el('td', {'data-col': 'title'},
              D.el('a', {href: 'incident.html?' + D.query({id: incident.incidentId}).toString(),
                text: incident.title || incident.incidentId})),
          D.el('td', {'data-col': 'where', text: where(incident)}),
          D.el('td', {'data-col': 'users', text: D.list(incident.users)}),
          D.el('td', {'data-col': 'alerts', text: incident.alertCount}),
          D.el('td', {'data-col': 'lastSeen', text: D.time(incident.lastSeen)}))));
      D.byId('no-incidents').hidden = answer.incidents.length > 0;
      D.loaded(table, 'ready');
    } catch (e) {
      D.showError(e);
      D.loaded(table, 'error');
    }
  }

  async function loadChart() {
    const node = D.byId('alerts-chart');
    node.dataset.state = 'loading';
    const range = Number(D.byId('chart-range').value);
    const to = Date.now();
    try {
      const answer = await D.get('api/v1/alerts/histogram', {from: to - range, to: to});
      const chart = D.chart(node);
      if (chart) {
        chart.setOption({
          animation: false,
          tooltip: {trigger: 'axis', renderMode: 'richText'},
          legend: {data: D.SEVERITIES},
          grid: {left: 40, right: 16, top: 32, bottom: 28},
          xAxis: {type: 'time', min: answer.from, max: answer.to},
          yAxis: {type: 'value', minInterval: 1},
          series: D.SEVERITIES.map(severity => ({
            name: severity, type: 'bar', stack: 'alerts', barMaxWidth: 24,
            itemStyle: {color: D.SEVERITY_COLOURS[severity]},
            data: answer.buckets.map(b => [b.start + answer.bucket / 2, b.counts[severity] || 0])
          }))
        }, true);
      }
      node.dataset.buckets = String(answer.buckets.length);
      D.loaded(node, 'ready');
    } catch (e) {
      D.showError(e);
      D.loaded(node, 'error');
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    const filters = filtersFromUrl();
    fillForm(filters);
    D.byId('incident-filters').addEventListener('submit', event => {
      event.preventDefault();
      D.clearError();
      const chosen = filtersFromForm();
      const q = D.query(chosen).toString();
      history.pushState(null, '', q ? '?' + q : location.pathname);
      loadIncidents(chosen);
    });
    window.addEventListener('popstate', () => {
      const back = filtersFromUrl();
      fillForm(back);
      loadIncidents(back);
    });
    D.byId('chart-range').addEventListener('change', loadChart);
    loadIncidents(filters);
    loadChart();
  });
})();
