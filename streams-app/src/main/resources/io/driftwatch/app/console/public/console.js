'use strict';
/*
 * What every console page shares: calling the HTTP API (src/api.md) and building DOM from its answers.
 * Every value from an event (paths, command lines, labels, users, messages) becomes a text node: nothing here
 * assigns innerHTML, and charts draw their text on a canvas (tooltip.renderMode 'richText').
 */
const Driftwatch = (() => {
  const TOKEN_KEY = 'driftwatch.token';
  const USER_KEY = 'driftwatch.user';
  const SEVERITIES = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFO'];
  const SEVERITY_COLOURS = {CRITICAL: '#8e0000', HIGH: '#d84315', MEDIUM: '#f9a825', LOW: '#1e88e5', INFO: '#90a4ae'};

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function headers(extra) {
    const h = Object.assign({'Accept': 'application/json'}, extra || {});
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) {
      h['Authorization'] = 'Bearer ' + token;
    }
    const user = localStorage.getItem(USER_KEY);
    if (user) {
      h['X-Driftwatch-User'] = user;
    }
    return h;
  }

  /** URLSearchParams from an object whose values are strings or arrays of strings (repeated parameters). */
  function query(params) {
    const q = new URLSearchParams();
    Object.entries(params || {}).forEach(([name, value]) => {
      (Array.isArray(value) ? value : [value]).forEach(v => {
        if (v !== undefined && v !== null && String(v) !== '') {
          q.append(name, String(v));
        }
      });
    });
    return q;
  }

  async function request(path, options) {
    let response;
    try {
      response = await fetch(path, options);
    } catch (e) {
      throw new ApiError(0, 'the server did not answer (' + e.message + ')');
    }
    if (!response.ok) {
      let message = response.statusText;
      try {
        const body = await response.json();
        if (body && body.error) {
          message = body.error;
        }
      } catch (ignored) {
        // not JSON: keep the status text
      }
      if (response.status === 401) {
        showAuth();
      }
      throw new ApiError(response.status, response.status + ' ' + message);
    }
    return response;
  }

  async function get(path, params) {
    const q = query(params).toString();
    const response = await request(path + (q ? '?' + q : ''), {headers: headers()});
    return response.json();
  }

  async function post(path, body) {
    const response = await request(path, {
      method: 'POST',
      headers: headers({'Content-Type': 'application/json'}),
      body: JSON.stringify(body)
    });
    return response.json();
  }

  /** A capture's JSON lines through fetch, so a bearer token goes along; saved under the server's file name. */
  async function download(path, fileName) {
    const response = await request(path, {headers: headers({'Accept': 'application/x-ndjson'})});
    const blob = await response.blob();
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    link.download = fileName;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 0);
  }

  /**
   * An element with properties and children. Children are nodes or values that become text nodes; 'text' sets
   * textContent; other properties become attributes (never event handlers or HTML).
   */
  function el(tag, props, ...children) {
    const node = document.createElement(tag);
    Object.entries(props || {}).forEach(([name, value]) => {
      if (value === undefined || value === null) {
        return;
      }
      if (name === 'text') {
        node.textContent = String(value);
      } else if (name.startsWith('on')) {
        throw new Error('no handlers through el(): ' + name);
      } else {
        node.setAttribute(name, String(value));
      }
    });
    children.flat().forEach(child => {
      if (child === undefined || child === null) {
        return;
      }
      node.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
    });
    return node;
  }

  function byId(id) {
    return document.getElementById(id);
  }

  function setText(id, value) {
    byId(id).textContent = value === undefined || value === null || value === '' ? '—' : String(value);
  }

  function list(values) {
    return values && values.length ? values.join(', ') : '';
  }

  /** Event time as UTC, to the millisecond: what the API and the CLI print. */
  function time(ms) {
    if (ms === undefined || ms === null) {
      return '';
    }
    return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
  }

  function showError(error) {
    const box = byId('error');
    box.textContent = error instanceof Error ? error.message : String(error);
    box.hidden = false;
  }

  function clearError() {
    const box = byId('error');
    box.textContent = '';
    box.hidden = true;
  }

  function showAuth() {
    byId('auth').hidden = false;
  }

  /** Marks a region loaded; page objects in the tests wait on data-state and on data-generation changing. */
  function loaded(node, state) {
    node.dataset.state = state;
    node.dataset.generation = String(Number(node.dataset.generation || '0') + 1);
  }

  /** The token box (token mode) and the name box (loopback): kept in this browser, sent with every request. */
  function setUpIdentity() {
    const tokenForm = byId('auth-form');
    if (tokenForm) {
      tokenForm.addEventListener('submit', event => {
        event.preventDefault();
        const token = byId('auth-token').value.trim();
        if (token) {
          sessionStorage.setItem(TOKEN_KEY, token);
        } else {
          sessionStorage.removeItem(TOKEN_KEY);
        }
        location.reload();
      });
    }
    const name = byId('user-name');
    if (name) {
      name.value = localStorage.getItem(USER_KEY) || '';
      name.addEventListener('change', () => rememberUser(name.value));
    }
  }

  function rememberUser(value) {
    const user = (value || '').trim();
    if (user) {
      localStorage.setItem(USER_KEY, user);
    } else {
      localStorage.removeItem(USER_KEY);
    }
  }

  function chart(node) {
    if (typeof echarts === 'undefined') {
      node.textContent = 'Charts are not available (ECharts did not load).';
      return null;
    }
    return echarts.getInstanceByDom(node) || echarts.init(node, null, {renderer: 'canvas'});
  }

  document.addEventListener('DOMContentLoaded', setUpIdentity);

  return {
    SEVERITIES, SEVERITY_COLOURS, ApiError, get, post, download, query, el, byId, setText, list, time, showError,
    clearError, loaded, chart, rememberUser
  };
})();
