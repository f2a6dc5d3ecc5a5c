#pragma once

// `insights-debugger validate`: judge a request body, a single event or NDJSON as Algolia would.
int runValidateCommand(int argc, char** argv);
