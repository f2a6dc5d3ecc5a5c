#pragma once

// The desktop window: builds the services, shows the main window and runs the event loop.
int runDesktopApp(int argc, char** argv);
