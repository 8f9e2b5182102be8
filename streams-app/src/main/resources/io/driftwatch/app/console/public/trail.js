'use strict';
/* The trail search (trail.html?<the API's filters>): the URL holds the filters, so a search can be shared. */
(() => {
  const D = Driftwatch;
  const TEXT_FILTERS = ['from', 'to', 'containerId', 'pod', 'namespace', 'node', 'image', 'user', 'session', 'process',
    'cmdline', 'path', 'pathPrefix', 'ruleId', 'alertId', 'limit'];
  let filters = {};
  let page = 1;
  let next = null;

  function filtersFromUrl() {
    const params = new URLSearchParams(location.search);
    const chosen = {};
    TEXT_FILTERS.forEach(name => {
      if (params.get(name)) {
        chosen[name] = params.get(name);
      }
    });
    const types = params.getAll('type').flatMap(v => v.split(',')).map(v => v.trim().toUpperCase()).filter(v => v);
    if (types.length) {
      chosen.type = types;
    }
    if (params.get('modeChange') === 'true') {
      chosen.modeChange = 'true';
    }
    return chosen;
  }

  function filtersFromForm() {
    const chosen = {};
    TEXT_FILTERS.forEach(name => {
      const value = D.byId('f-' + name).value.trim();
      if (value) {
        chosen[name] = value;
      }
    });
    const types = Array.from(document.querySelectorAll('input[name="type"]:checked')).map(i => i.value);
    if (types.length) {
      chosen.type = types;
    }
    if (D.byId('f-modeChange').checked) {
      chosen.modeChange = 'true';
    }
    return chosen;
  }

  function fillForm(chosen) {
    TEXT_FILTERS.forEach(name => {
      D.byId('f-' + name).value = chosen[name] || '';
    });
    document.querySelectorAll('input[name="type"]').forEach(i => {
      i.checked = (chosen.type || []).includes(i.value);
    });
    D.byId('f-modeChange').checked = chosen.modeChange === 'true';
  }

  function shortId(id) {
    return id && id.length > 12 ? id.substring(0, 12) : (id || '');
  }

  function row(entry) {
    const e = entry.event;
    const c = entry.container;
    const pod = c ? (c.namespace || '?') + '/' + (c.podName || c.containerName || '?') : '';
    return D.el('tr', {'data-test': 'trail-row', 'data-event-id': e.eventId, class: entry.alertIds.length ? 'cited' : null},
        D.el('td', {'data-col': 'time', text: D.time(e.timestamp)}),
        D.el('td', {'data-col': 'container', class: 'mono', title: e.containerId, text: shortId(e.containerId)}),
        D.el('td', {'data-col': 'pod', text: pod}),
        D.el('td', {'data-col': 'user', text: entry.users.length ? D.list(entry.users) : 'workload'}),
        D.el('td', {'data-col': 'process', text: e.processName || ''}),
        D.el('td', {'data-col': 'type', text: e.type}),
        D.el('td', {'data-col': 'path', class: 'mono', text: e.newPath ? e.path + ' → ' + e.newPath : e.path}),
        D.el('td', {'data-col': 'cmdline', class: 'mono', text: e.cmdline || ''}),
        D.el('td', {'data-col': 'alerts', class: 'mono', text: D.list(entry.alertIds)}));
  }

  async function search(cursor) {
    const table = D.byId('trail-results');
    table.dataset.state = 'loading';
    D.clearError();
    try {
      const answer = await D.get('api/v1/trail', Object.assign({}, filters, cursor ? {cursor: cursor} : {}));
      table.querySelector('tbody').replaceChildren(...answer.events.map(row));
      next = answer.next;
      D.byId('next-page').hidden = !next;
      D.byId('no-events').hidden = answer.events.length > 0;
      D.byId('page-info').textContent = 'Page ' + page + ': ' + answer.events.length + ' events'
          + (next ? ' (more on the next page)' : '');
      D.loaded(table, 'ready');
    } catch (e) {
      D.showError(e);
      D.loaded(table, 'error');
    }
  }

  function start(chosen) {
    filters = chosen;
    page = 1;
    search(null);
  }

  document.addEventListener('DOMContentLoaded', () => {
    const chosen = filtersFromUrl();
    fillForm(chosen);
    D.byId('trail-form').addEventListener('submit', event => {
      event.preventDefault();
      const picked = filtersFromForm();
      const q = D.query(picked).toString();
      history.pushState(null, '', q ? '?' + q : location.pathname);
      start(picked);
    });
    D.byId('next-page').addEventListener('click', () => {
      page++;
      search(next);
    });
    window.addEventListener('popstate', () => {
      const back = filtersFromUrl();
      fillForm(back);
      start(back);
    });
    start(chosen);
  });
})();
