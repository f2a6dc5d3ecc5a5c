#pragma once

// `insights-debugger demo [--shoppers N] [--rate EVENTS_PER_S] [--duration S] [--seed N] [--speed X]
// [--to local|us|de|global|URL] [--search-url URL] [--mistakes LIST] [--catalog FILE] [--index NAME]`:
// scripted shoppers (issue 14 §3) against any endpoint, then a summary. Exit 0 when every event got an answer
// and every search was answered, 1 otherwise, 2 for usage errors.
int runDemoCommand(int argc, char** argv);
