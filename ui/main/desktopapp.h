#pragma once

#include "style/appearance.h"

#include <QSize>
#include <QString>

#include <optional>

class DesktopSession;

// The desktop window: builds the services, shows the main window and runs the event loop.
// Options: --data-dir DIR, --port N, --screenshot FILE [--size WxH] [--theme light|dark].
int runDesktopApp(int argc, char** argv);

struct ScreenshotOptions
{
    QSize size{1366, 768};                  // the window's size: a laptop's screen by default
    std::optional<Appearance::Theme> theme; // unset: the data folder's saved theme
    // What the details dock shows: the rejected click (its field at fault, "will it count"), or the valid
    // click with the Search tab: the search it cites, its hits and the clicked position; or the charts.
    enum class Focus
    {
        Rejected,
        Search,
        Charts, // the charts dock brought to the front
    };
    Focus focus = Focus::Rejected;
};

// Renders the session's main window with sample content into a PNG at `path`. Returns the exit status.
int renderScreenshot(DesktopSession& session, const QString& path, const ScreenshotOptions& options = {});
