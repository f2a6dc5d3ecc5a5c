#pragma once

#include <QColor>
#include <QIcon>

// The app's icons: the desktop theme's icon when it has one (QIcon::fromTheme, freedesktop names), else the
// bundled Tabler icon (resources/icons/tabler/, MIT: packaging/licenses/), drawn in the palette's text
// colour at paint time so that it follows the light and dark themes. Verdict badges always use the bundled
// shapes, in their verdict colour: a shape per verdict reads without colour too.
namespace Icons {

enum class Icon
{
    Send,
    Queue,
    SendQueue,
    Retry,
    Discard,
    GenerateQueryId,
    JsonTab,
    NewUser,
    ImportRecords,
    FetchIndex,
    Settings,
    Quit,
    About,
    Shortcuts,
    ResetLayout,
    ZoomIn,
    ZoomOut,
    ZoomReset,
    Theme,
    Pause,
    Resume,
    Follow,
    Clear,
    Columns,
    Copy,
    Resend,
    Export,
    Import,
};

QIcon icon(Icon which);

enum class Badge
{
    Accepted,
    Warning,
    Rejected,
    RejectedWithBatch, // the culprit's batch-mates: a dashed cross
    NotDelivered,
    RequestRejected,
    Search, // a recorded search: not a verdict, a magnifier
};

// The badge's icon in its colour for this palette (darker tones on light backgrounds, lighter on dark).
QIcon badge(Badge which, bool darkPalette);
QColor badgeColour(Badge which, bool darkPalette);

} // namespace Icons
