// The GraphiQL explorer at GET /graphql/, started from this file rather than an
// inline script (the page's CSP allows scripts from this service alone).
// Adapted from strawberry-graphql's graphiql.html (MIT), with what an auth
// service's documents hold in mind: they carry passwords and keys, and headers
// carry tokens, so none of it is written to the address (browser history, server
// and proxy logs, Referer) or to localStorage; it lasts as long as the tab. No
// CSRF cookie (the API is token-authenticated), no subscriptions.
"use strict";

(function () {
  const EXAMPLE_QUERY = `# The gql-auth explorer: write a query on this side, run it with Ctrl-Enter.
#
# Log in, then put the token in the Headers tab below:
#   {"Authorization": "Bearer <token>"}
#
query Me {
  me {
    id
    email
    emailVerified
  }
}
`;

  // GraphiQL's state (tabs, history, headers) in memory instead of localStorage.
  const memory = new Map();
  const storage = {
    getItem: (key) => (memory.has(key) ? memory.get(key) : null),
    setItem: (key, value) => void memory.set(key, String(value)),
    removeItem: (key) => void memory.delete(key),
    clear: () => memory.clear(),
    key: (index) => Array.from(memory.keys())[index] ?? null,
    get length() {
      return memory.size;
    },
  };

  const fetcher = GraphiQL.createFetcher({ url: window.location.origin + window.location.pathname });

  function Explorer() {
    const explorerPlugin = React.useMemo(() => GraphiQLPluginExplorer.explorerPlugin(), []);
    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      storage: storage,
      defaultQuery: EXAMPLE_QUERY,
      defaultEditorToolsVisibility: true,
      plugins: [explorerPlugin],
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(Explorer));
})();
