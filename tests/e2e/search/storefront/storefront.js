// One script for both storefront pages. The endpoint comes from ?endpoint=, the index from ?index= (movies).
(function () {
  const params = new URLSearchParams(location.search);
  const endpoint = new URL(params.get('endpoint') || 'http://127.0.0.1:8421');
  const indexName = params.get('index') || 'movies';
  const broken = document.body.dataset.broken === 'true';
  const appId = 'STOREFRONT';
  const apiKey = 'storefront-search-key';

  // algoliasearch v5 (lite): the search client's hosts replaced by the endpoint.
  const searchClient = window['algoliasearch/lite'].liteClient(appId, apiKey, {
    hosts: [{
      url: endpoint.hostname,
      port: Number(endpoint.port),
      protocol: endpoint.protocol.replace(':', ''),
      accept: 'readWrite',
    }],
  });

  // search-insights from npm (no CDN), its aa() function installed by the library over the stub; InstantSearch's
  // insights middleware initialises it with the endpoint.
  const aa = window.aa;

  const search = instantsearch({
    indexName,
    searchClient,
    insights: {
      insightsClient: aa,
      insightsInitParams: { host: endpoint.origin, useCookie: false },
    },
  });

  const { searchBox, hits, pagination, refinementList, configure } = instantsearch.widgets;
  search.addWidgets([
    configure({ hitsPerPage: 5 }),
    searchBox({ container: '#searchbox', placeholder: 'Search movies' }),
    refinementList({ container: '#genres', attribute: 'genres' }),
    hits({
      container: '#hits',
      templates: {
        item(hit, { html, components, sendEvent }) {
          const click = (event) => {
            event.preventDefault();
            if (!broken) {
              sendEvent('click', hit, 'Hit Clicked');
              return;
            }
            // The mistakes: the rank on the page, and a token of the site's own instead of the search's.
            const state = search.helper.state;
            aa('clickedObjectIDsAfterSearch', {
              eventName: 'Hit Clicked',
              index: indexName,
              queryID: hit.__queryID,
              objectIDs: [hit.objectID],
              positions: [hit.__position - state.page * state.hitsPerPage],
              userToken: 'site-user-42',
            });
          };
          return html`<a href="#" class="hit" data-object-id=${hit.objectID} data-position=${hit.__position}
            data-query-id=${hit.__queryID} onClick=${click}>${components.Highlight({ attribute: 'title', hit })}</a>`;
        },
      },
    }),
    pagination({ container: '#pagination' }),
  ]);
  search.start();
  window.storefront = { search };
})();
