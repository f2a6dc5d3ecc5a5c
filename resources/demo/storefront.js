// The demo storefront's logic: Algolia's wire format against the endpoint that served this page.
'use strict';
(function () {
  const hitsPerPage = 8;
  const appId = 'DEMO';
  const apiKey = 'demo-phone';
  const state = { index: 'movies', query: '', resultQuery: null, page: 0, nbPages: 0, queryID: '', hits: [], product: null, cart: [],
                  currency: 'USD' };
  const $ = (id) => document.getElementById(id);

  // A v4 UUID from crypto.getRandomValues: crypto.randomUUID needs a secure context, and a phone reaches the
  // debugger over plain http on the local network.
  function uuid() {
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  // The anonymous token persists across visits (as search-insights keeps it), and through login.
  let userToken = localStorage.getItem('insightsDemoUserToken');
  if (!userToken) {
    userToken = `anonymous-${uuid()}`;
    localStorage.setItem('insightsDemoUserToken', userToken);
  }
  let authenticatedUserToken = localStorage.getItem('insightsDemoAuthenticatedUserToken') || '';

  const headers = () => ({ 'content-type': 'application/json', 'x-algolia-application-id': appId,
                           'x-algolia-api-key': apiKey });

  function status(text, ok) {
    const line = document.createElement('span');
    line.className = ok ? 'ok' : 'bad';
    line.textContent = text;
    $('status').replaceChildren(line);
  }

  async function send(event) {
    const body = { ...event, index: state.index, userToken, timestamp: Date.now() };
    if (authenticatedUserToken) body.authenticatedUserToken = authenticatedUserToken;
    try {
      const response = await fetch('/1/events', { method: 'POST', headers: headers(),
                                                  body: JSON.stringify({ events: [body] }) });
      const answer = await response.json();
      status(`${event.eventName}: ${response.status} ${answer.message}`, response.status === 200);
    } catch (error) {
      status(`${event.eventName}: not delivered (${error})`, false);
    }
  }

  let searchSequence = 0;
  async function search(page) {
    const sequence = ++searchSequence;
    const params = { query: state.query, page, hitsPerPage, clickAnalytics: true };
    const response = await fetch(`/1/indexes/${encodeURIComponent(state.index)}/query`,
                                 { method: 'POST', headers: { ...headers(), 'x-algolia-usertoken': userToken },
                                   body: JSON.stringify(params) });
    if (!response.ok) {
      status(`Search: ${response.status}`, false);
      return;
    }
    const result = await response.json();
    if (sequence !== searchSequence) return; // a later search was started: its answer is the one to show
    Object.assign(state, { resultQuery: result.query, page: result.page, nbPages: result.nbPages, queryID: result.queryID || '',
                           hits: result.hits || [] });
    render(result.nbHits);
  }

  function facts(hit) {
    return Object.entries(hit)
      .filter(([key, value]) => !['objectID', 'title', 'name', 'price', '_highlightResult'].includes(key) &&
                                (typeof value !== 'object' || Array.isArray(value)))
      .slice(0, 3).map(([, value]) => (Array.isArray(value) ? value.join(', ') : value)).join(' · ');
  }

  function render(nbHits) {
    $('product').hidden = true;
    $('results').hidden = false;
    $('summary').textContent = `${nbHits} results for “${state.query}”`;
    $('hits').replaceChildren(...state.hits.map((hit, i) => {
      const item = document.createElement('li');
      const button = document.createElement('button');
      button.className = 'hit';
      button.type = 'button';
      button.dataset.objectId = hit.objectID;
      button.dataset.position = String(state.page * hitsPerPage + i + 1);
      const title = document.createElement('strong');
      title.textContent = hit.title || hit.name || hit.objectID;
      const small = document.createElement('small');
      small.textContent = ` ${facts(hit)}`;
      button.append(title, small);
      button.addEventListener('click', () => open(hit, Number(button.dataset.position)));
      item.append(button);
      return item;
    }));
    $('page-label').textContent = state.nbPages ? `Page ${state.page + 1} of ${state.nbPages}` : '';
    $('prev-page').disabled = state.page <= 0;
    $('next-page').disabled = state.page + 1 >= state.nbPages;
  }

  function open(hit, position) {
    state.product = { hit, queryID: state.queryID };
    // The position Algolia expects: absolute across pages (page × hitsPerPage + rank, 1-based).
    send({ eventType: 'click', eventName: 'Product Clicked', objectIDs: [hit.objectID], positions: [position],
           queryID: state.queryID });
    send({ eventType: 'view', eventName: 'Product Viewed', objectIDs: [hit.objectID] });
    $('results').hidden = true;
    $('product').hidden = false;
    $('product-title').textContent = hit.title || hit.name || hit.objectID;
    $('product-facts').textContent = facts(hit);
    $('product-price').textContent = typeof hit.price === 'number' ? `$${hit.price.toFixed(2)}` : '';
  }

  function item(entry) {
    const price = typeof entry.hit.price === 'number' ? entry.hit.price : 0;
    return { price, quantity: 1, queryID: entry.queryID };
  }

  $('search-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.query = $('q').value;
    search(0);
  });
  $('next-page').addEventListener('click', () => search(state.page + 1));
  $('prev-page').addEventListener('click', () => search(Math.max(0, state.page - 1)));
  $('back').addEventListener('click', () => { $('product').hidden = true; $('results').hidden = false; });
  $('add-to-cart').addEventListener('click', () => {
    const entry = state.product;
    state.cart.push(entry);
    $('cart-count').textContent = `Cart: ${state.cart.length}`;
    const data = item(entry);
    send({ eventType: 'conversion', eventSubtype: 'addToCart', eventName: 'Product Added To Cart',
           objectIDs: [entry.hit.objectID], queryID: entry.queryID, objectData: [data],
           value: Math.round(data.price * 100) / 100, currency: state.currency });
  });
  $('buy').addEventListener('click', () => {
    if (!state.cart.length && state.product) state.cart.push(state.product);
    const items = state.cart.map(item);
    const value = Math.round(items.reduce((sum, i) => sum + i.price * i.quantity, 0) * 100) / 100;
    send({ eventType: 'conversion', eventSubtype: 'purchase', eventName: 'Products Purchased',
           objectIDs: state.cart.map((e) => e.hit.objectID), objectData: items, value, currency: state.currency });
    state.cart = [];
    $('cart-count').textContent = 'Cart: 0';
  });
  $('login').addEventListener('click', () => {
    authenticatedUserToken = authenticatedUserToken ? '' : `customer-${uuid().slice(0, 8)}`;
    if (authenticatedUserToken) localStorage.setItem('insightsDemoAuthenticatedUserToken', authenticatedUserToken);
    else localStorage.removeItem('insightsDemoAuthenticatedUserToken');
    $('login').textContent = authenticatedUserToken ? 'Log out' : 'Log in';
  });
  $('login').textContent = authenticatedUserToken ? 'Log out' : 'Log in';

  fetch('config.json').then((r) => r.json()).then((config) => {
    state.index = config.index || state.index;
    $('store-name').textContent = config.name || 'Demo store';
    state.query = '';
    search(0);
  }).catch(() => search(0));
  window.storefront = state;
})();
