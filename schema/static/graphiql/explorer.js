// The GraphiQL explorer at GET /graphql/, started from this file rather than an
// inline script (the page's CSP allows scripts from this service alone).
// Adapted from strawberry-graphql's graphiql.html (MIT): no CSRF cookie (the API
// is token-authenticated), no subscriptions, and headers (which hold tokens) are
// not persisted in localStorage.
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

  const parameters = new URLSearchParams(window.location.search);

  function updateURL(changes) {
    for (const [key, value] of Object.entries(changes)) {
      if (value) {
        parameters.set(key, value);
      } else {
        parameters.delete(key);
      }
    }
    const search = parameters.toString();
    history.replaceState(null, "", search ? "?" + search : window.location.pathname);
  }

  const fetcher = GraphiQL.createFetcher({ url: window.location.href.split("?")[0] });

  function Explorer() {
    const [query, setQuery] = React.useState(parameters.get("q") || EXAMPLE_QUERY);
    const [variables, setVariables] = React.useState(parameters.get("variables") || undefined);
    const explorerPlugin = React.useMemo(() => GraphiQLPluginExplorer.explorerPlugin(), []);

    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultEditorToolsVisibility: true,
      plugins: [explorerPlugin],
      query: query,
      variables: variables,
      onEditQuery: (value) => {
        setQuery(value);
        updateURL({ q: value });
      },
      onEditVariables: (value) => {
        setVariables(value);
        updateURL({ variables: value });
      },
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(React.createElement(Explorer));
})();
