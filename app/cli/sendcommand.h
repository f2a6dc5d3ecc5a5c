#pragma once

// `insights-debugger send FILE|-`: send events from a file or standard input to the embedded endpoint,
// Algolia or any URL, through the persistent outbox. Exit status 0 when every event was accepted, 1 when
// any was rejected or failed, 2 for usage or input errors. Owns its QCoreApplication.
int runSendCommand(int argc, char** argv);
