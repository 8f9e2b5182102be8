'use strict';
/*
 * drills.html: the drill reports (GET /api/v1/drills, newest first) as a history table and a trend chart of the
 * times to detect, contain and acknowledge, each run marked passed or failed. Every value is a text node; the chart
 * draws its text on a canvas (tooltip renderMode 'richText').
 */
(() => {
  const D = Driftwatch;
  const SERIES = [
    {key: 'timeToDetectMs', name: 'detect', colour: '#1e88e5'},
    {key: 'timeToContainMs', name: 'contain', colour: '#6a1b9a'},
    {key: 'timeToAcknowledgeMs', name: 'acknowledge', colour: '#00897b'}
  ];

  function ms(value) {
    return value === undefined || value === null ? '—' : String(value);
  }

  function escalationsOnTime(report) {
    const tiers = report.escalations || [];
    if (!tiers.length) {
      return '—';
    }
    const onTime = tiers.filter(e => e.onTime).length;
    return onTime + ' of ' + tiers.length;
  }

  function failedChecks(report) {
    return (report.checks || []).filter(c => !c.passed).map(c => c.name + (c.detail ? ' (' + c.detail + ')' : ''));
  }

  function row(report) {
    const failed = failedChecks(report);
    const result = report.passed ? 'PASSED' : 'FAILED';
    const incident = report.incidentId
      ? D.el('a', {href: 'incident.html?id=' + encodeURIComponent(report.incidentId)}, report.incidentId) : '—';
    return D.el('tr', {'data-test': 'drill-row', 'data-drill-id': report.drillId, 'class': report.passed ? 'passed' : 'failed'},
      D.el('td', {'data-col': 'when'}, D.time(report.startedAt)),
      D.el('td', {'data-col': 'drill'}, report.drill),
      D.el('td', {'data-col': 'attack'}, report.attack),
      D.el('td', {'data-col': 'mode'}, report.mode),
      D.el('td', {'data-col': 'result', 'class': report.passed ? 'pass' : 'fail'}, result),
      D.el('td', {'data-col': 'detect'}, ms(report.timeToDetectMs)),
      D.el('td', {'data-col': 'contain'}, ms(report.timeToContainMs)),
      D.el('td', {'data-col': 'acknowledge'}, ms(report.timeToAcknowledgeMs)),
      D.el('td', {'data-col': 'escalations'}, escalationsOnTime(report)),
      D.el('td', {'data-col': 'incident'}, incident),
      D.el('td', {'data-col': 'failed'}, failed.length ? failed.join('; ') : (report.error || '')));
  }

  function drawChart(reports) {
    const node = D.byId('drills-chart');
    const chart = D.chart(node);
    // Oldest first along the time axis.
    const runs = reports.slice().reverse();
    if (chart) {
      const series = SERIES.map(s => ({
        name: s.name, type: 'line', showSymbol: true, symbolSize: 8, connectNulls: false,
        itemStyle: {color: s.colour}, lineStyle: {color: s.colour},
        data: runs.map(r => [r.startedAt, r[s.key] === undefined ? null : r[s.key]])
      }));
      // Pass/fail marks: a square at the top of the chart for each run, green passed, red failed.
      series.push({
        name: 'passed / failed', type: 'scatter', symbol: 'rect', symbolSize: 10, yAxisIndex: 1,
        data: runs.map(r => ({value: [r.startedAt, 1], itemStyle: {color: r.passed ? '#2e7d32' : '#c62828'},
          name: r.drill + ': ' + (r.passed ? 'passed' : 'failed')}))
      });
      chart.setOption({
        animation: false,
        tooltip: {trigger: 'item', renderMode: 'richText'},
        legend: {data: SERIES.map(s => s.name).concat(['passed / failed'])},
        grid: {left: 56, right: 24, top: 40, bottom: 28},
        xAxis: {type: 'time'},
        yAxis: [{type: 'value', name: 'ms', min: 0}, {type: 'value', show: false, min: 0, max: 1.05}],
        series: series
      }, true);
    }
    node.dataset.runs = String(runs.length);
    node.dataset.passed = String(runs.filter(r => r.passed).length);
    node.dataset.failed = String(runs.filter(r => !r.passed).length);
    D.loaded(node, 'ready');
  }

  async function load() {
    const table = D.byId('drills');
    const body = table.querySelector('tbody');
    try {
      const answer = await D.get('api/v1/drills');
      const reports = answer.drills || [];
      body.replaceChildren(...reports.map(row));
      D.byId('no-drills').hidden = reports.length > 0;
      D.setText('count-drills', reports.length);
      D.setText('count-passed', reports.filter(r => r.passed).length);
      D.setText('count-failed', reports.filter(r => !r.passed).length);
      D.loaded(table, 'ready');
      drawChart(reports);
    } catch (e) {
      D.showError(e);
      D.loaded(table, 'error');
      D.loaded(D.byId('drills-chart'), 'error');
    }
  }

  document.addEventListener('DOMContentLoaded', load);
})();
