// search-insights' documented loader: aa() queues calls until the library replaces it with the real one.
window.AlgoliaAnalyticsObject = 'aa';
window.aa = window.aa || function () {
  (window.aa.queue = window.aa.queue || []).push(arguments);
};
