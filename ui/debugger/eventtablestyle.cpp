#include "eventtablestyle.h"

#include "style/appearance.h"
#include "style/icons.h"
#include "views/eventtablemodel.h"

#include <QApplication>

// The verdict's badge: a shape per verdict (check, triangle, cross, dashed cross), so that the Status column
// reads without colour too (cloud-off: not delivered; ban: request refused; a magnifier: a search, which has
// no verdict); its text says it in words.
QIcon EventTableStyle::badge(Verdict verdict, RecordKind kind)
{
    Icons::Badge badge = Icons::Badge::Accepted;
    switch (verdict) {
    case Verdict::Accepted:
        badge = Icons::Badge::Accepted;
        break;
    case Verdict::AcceptedWithWarnings:
        badge = Icons::Badge::Warning;
        break;
    case Verdict::Rejected:
        badge = Icons::Badge::Rejected;
        break;
    case Verdict::RejectedWithBatch:
        badge = Icons::Badge::RejectedWithBatch;
        break;
    case Verdict::NotDelivered:
        badge = Icons::Badge::NotDelivered;
        break;
    case Verdict::RequestRejected:
        badge = Icons::Badge::RequestRejected;
        break;
    }
    if (kind == RecordKind::Search)
        badge = Icons::Badge::Search;
    const bool dark = Appearance::isDark(QApplication::palette());
    static QHash<int, QIcon> cache; // GUI thread only (views ask for data there)
    const int key = static_cast<int>(badge) * 2 + (dark ? 1 : 0);
    auto it = cache.find(key);
    if (it == cache.end())
        it = cache.insert(key, Icons::badge(badge, dark));
    return *it;
}

EventTableStyle::EventTableStyle(QObject* parent)
    : QIdentityProxyModel(parent)
{}

void EventTableStyle::setTestUserColours(const QHash<QString, QColor>& colours)
{
    m_colours = colours;
    if (rowCount() > 0) {
        const int column = static_cast<int>(EventTableModel::Column::TestUser);
        Q_EMIT dataChanged(index(0, column), index(rowCount() - 1, column), {Qt::DecorationRole});
    }
}

QColor EventTableStyle::verdictColour(Verdict verdict)
{
    // Translucent, so that they read on light and dark palettes alike.
    switch (verdict) {
    case Verdict::Rejected:
    case Verdict::RequestRejected:
        return QColor(220, 53, 69, 90);
    case Verdict::RejectedWithBatch:
        return QColor(253, 126, 20, 60);
    case Verdict::AcceptedWithWarnings:
        return QColor(255, 193, 7, 60);
    case Verdict::NotDelivered:
        return QColor(108, 117, 125, 70);
    case Verdict::Accepted:
        break;
    }
    return {};
}

QVariant EventTableStyle::data(const QModelIndex& index, int role) const
{
    if (role == Qt::BackgroundRole) {
        const QVariant verdict = QIdentityProxyModel::data(index, EventTableModel::VerdictRole);
        if (!verdict.isValid()) // not fetched yet
            return {};
        // A search is not judged: no verdict background (it would read "accepted" by colour).
        if (static_cast<RecordKind>(QIdentityProxyModel::data(index, EventTableModel::KindRole).toInt()) ==
            RecordKind::Search)
            return {};
        const QColor colour = verdictColour(static_cast<Verdict>(verdict.toInt()));
        return colour.isValid() ? QVariant(colour) : QVariant();
    }
    if (role == Qt::DecorationRole && index.column() == static_cast<int>(EventTableModel::Column::Status)) {
        const QVariant verdict = QIdentityProxyModel::data(index, EventTableModel::VerdictRole);
        if (!verdict.isValid()) // not fetched yet
            return {};
        return badge(
            static_cast<Verdict>(verdict.toInt()),
            static_cast<RecordKind>(QIdentityProxyModel::data(index, EventTableModel::KindRole).toInt()));
    }
    if (role == Qt::DecorationRole && index.column() == static_cast<int>(EventTableModel::Column::TestUser)) {
        const QString token = QIdentityProxyModel::data(index, EventTableModel::UserTokenRole).toString();
        const auto it = m_colours.constFind(token);
        return it != m_colours.cend() ? QVariant(*it) : QVariant();
    }
    return QIdentityProxyModel::data(index, role);
}
