#include "icons.h"

#include <QApplication>
#include <QFile>
#include <QHash>
#include <QIconEngine>
#include <QPainter>
#include <QPalette>
#include <QSvgRenderer>

namespace {

struct IconSource
{
    const char* themeName; // freedesktop icon naming specification
    const char* bundled;   // resources/icons/tabler/<name>.svg
};

IconSource sourceOf(Icons::Icon which)
{
    using I = Icons::Icon;
    switch (which) {
    case I::Send:
        return {"document-send", "send"};
    case I::Queue:
        return {"list-add", "playlist-add"};
    case I::SendQueue:
        return {"mail-send", "send-2"};
    case I::Retry:
        return {"view-refresh", "refresh"};
    case I::Discard:
        return {"edit-delete", "trash-x"};
    case I::GenerateQueryId:
        return {"tools-wizard", "wand"};
    case I::JsonTab:
        return {"text-x-script", "braces"};
    case I::NewUser:
        return {"list-add-user", "user-plus"};
    case I::ImportRecords:
        return {"document-import", "file-import"};
    case I::FetchIndex:
        return {"folder-download", "cloud-download"};
    case I::Settings:
        return {"configure", "settings"};
    case I::Quit:
        return {"application-exit", "logout"};
    case I::About:
        return {"help-about", "info-circle"};
    case I::Shortcuts:
        return {"preferences-desktop-keyboard", "keyboard"};
    case I::ResetLayout:
        return {"view-restore", "layout-dashboard"};
    case I::ZoomIn:
        return {"zoom-in", "zoom-in"};
    case I::ZoomOut:
        return {"zoom-out", "zoom-out"};
    case I::ZoomReset:
        return {"zoom-original", "zoom-reset"};
    case I::Theme:
        return {"preferences-desktop-theme", "palette"};
    case I::Pause:
        return {"media-playback-pause", "player-pause"};
    case I::Resume:
        return {"media-playback-start", "player-play"};
    case I::Follow:
        return {"go-bottom", "arrow-bar-to-down"};
    case I::Clear:
        return {"edit-clear-all", "trash"};
    case I::Columns:
        return {"view-split-left-right", "columns"};
    case I::Copy:
        return {"edit-copy", "copy"};
    case I::Resend:
        return {"mail-forward", "repeat"};
    case I::Export:
        return {"document-export", "file-export"};
    case I::Import:
        return {"document-open", "file-import"};
    }
    return {"", ""};
}

const char* badgeFile(Icons::Badge which)
{
    using B = Icons::Badge;
    switch (which) {
    case B::Accepted:
        return "circle-check";
    case B::Warning:
        return "alert-triangle";
    case B::Rejected:
        return "circle-x";
    case B::RejectedWithBatch:
        return "circle-dashed-x";
    case B::NotDelivered:
        return "cloud-off";
    case B::RequestRejected:
        return "ban";
    case B::Search:
        return "search";
    }
    return "";
}

QByteArray svgOf(const char* bundled)
{
    static QHash<QByteArray, QByteArray> cache;
    const QByteArray key(bundled);
    auto it = cache.constFind(key);
    if (it != cache.cend())
        return *it;
    QFile file(QStringLiteral(":/icons/tabler/%1.svg").arg(QLatin1String(bundled)));
    const QByteArray svg = file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
    cache.insert(key, svg);
    return svg;
}

// Draws a `currentColor` SVG in a fixed colour, or in the application palette's text colour of the moment
// (so that a theme switch recolours every icon without rebuilding it).
class TintedSvgEngine final : public QIconEngine
{
public:
    TintedSvgEngine(QByteArray svg, QColor fixed)
        : m_svg(std::move(svg))
        , m_fixed(std::move(fixed))
    {}

    void paint(QPainter* painter, const QRect& rect, QIcon::Mode mode, QIcon::State) override
    {
        QSvgRenderer renderer(tinted(colourFor(mode)));
        renderer.render(painter, QRectF(rect));
    }

    QPixmap pixmap(const QSize& size, QIcon::Mode mode, QIcon::State state) override
    {
        QPixmap pixmap(size);
        pixmap.fill(Qt::transparent);
        QPainter painter(&pixmap);
        paint(&painter, QRect(QPoint(0, 0), size), mode, state);
        return pixmap;
    }

    QIconEngine* clone() const override { return new TintedSvgEngine(m_svg, m_fixed); }
    QString key() const override { return QStringLiteral("insights-tinted-svg"); }

private:
    QColor colourFor(QIcon::Mode mode) const
    {
        if (m_fixed.isValid() && mode != QIcon::Disabled)
            return m_fixed;
        const QPalette palette = QApplication::palette();
        return palette.color(mode == QIcon::Disabled ? QPalette::Disabled : QPalette::Normal,
                             mode == QIcon::Selected ? QPalette::HighlightedText : QPalette::WindowText);
    }

    QByteArray tinted(const QColor& colour) const
    {
        QByteArray svg = m_svg;
        svg.replace("currentColor", colour.name().toLatin1());
        return svg;
    }

    QByteArray m_svg;
    QColor m_fixed;
};

} // namespace

namespace Icons {

QIcon icon(Icon which)
{
    const IconSource source = sourceOf(which);
    const QIcon bundled(new TintedSvgEngine(svgOf(source.bundled), QColor()));
    return QIcon::fromTheme(QString::fromLatin1(source.themeName), bundled);
}

QColor badgeColour(Badge which, bool darkPalette)
{
    switch (which) {
    case Badge::Accepted:
        return darkPalette ? QColor(0x5c, 0xd6, 0x8a) : QColor(0x23, 0x7a, 0x38);
    case Badge::Warning:
        return darkPalette ? QColor(0xff, 0xb8, 0x4d) : QColor(0xa8, 0x62, 0x00);
    case Badge::Rejected:
        return darkPalette ? QColor(0xff, 0x6b, 0x6b) : QColor(0xc0, 0x26, 0x22);
    case Badge::RejectedWithBatch:
        return darkPalette ? QColor(0xff, 0x9e, 0x64) : QColor(0xb3, 0x4a, 0x00);
    case Badge::NotDelivered:
        return darkPalette ? QColor(0xa5, 0xb4, 0xc4) : QColor(0x57, 0x60, 0x6a);
    case Badge::RequestRejected:
        return darkPalette ? QColor(0xd2, 0xa8, 0xff) : QColor(0x82, 0x50, 0xdf);
    case Badge::Search:
        return darkPalette ? QColor(0x6c, 0xb6, 0xff) : QColor(0x15, 0x65, 0xc0);
    }
    return {};
}

QIcon badge(Badge which, bool darkPalette)
{
    return QIcon(new TintedSvgEngine(svgOf(badgeFile(which)), badgeColour(which, darkPalette)));
}

} // namespace Icons
