#pragma once

#include <QString>

class DesktopSession;

// The desktop window: builds the services, shows the main window and runs the event loop.
// Options: --data-dir DIR, --port N, --screenshot FILE.
int runDesktopApp(int argc, char** argv);

// Renders the session's main window with sample content into a PNG at `path`. Returns the exit status.
int renderScreenshot(DesktopSession& session, const QString& path);
