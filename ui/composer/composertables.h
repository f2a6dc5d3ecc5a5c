#pragma once

// The composer's two tables as its files share them (composerwidget.cpp fills and reads them,
// composerlayout.cpp builds them): their columns and how a cell is read and written.

#include "views/eventform.h"

#include <QString>
#include <QTableWidget>

namespace ComposerTables {

constexpr int column(ObjectColumn column)
{
    return static_cast<int>(column);
}
constexpr int ObjectIdColumn = column(ObjectColumn::ObjectID);
constexpr int TitleColumn = column(ObjectColumn::Title);
constexpr int PositionColumn = column(ObjectColumn::Position);
constexpr int PriceColumn = column(ObjectColumn::Price);
constexpr int QuantityColumn = column(ObjectColumn::Quantity);
constexpr int DiscountColumn = column(ObjectColumn::Discount);
constexpr int ItemQueryIdColumn = column(ObjectColumn::ItemQueryID);

enum FilterColumn
{
    AttributeColumn,
    ValueColumn,
    EncodedColumn,
    FilterColumnCount,
};

// Set on a filter row read from an event whose text is not the canonical encoding of its parts
// (FormFilterRow::original): sent as is until the user edits the row.
constexpr int kOriginalFilterRole = Qt::UserRole + 1;

inline QString cellText(const QTableWidget* table, int row, int column)
{
    const QTableWidgetItem* item = table->item(row, column);
    return item ? item->text().trimmed() : QString();
}

inline void setCell(QTableWidget* table, int row, int column, const QString& text, bool editable = true)
{
    auto* item = new QTableWidgetItem(text);
    if (!editable)
        item->setFlags(item->flags() & ~Qt::ItemIsEditable);
    table->setItem(row, column, item);
}

} // namespace ComposerTables
