#pragma once

#include "catalog/indexcatalog.h"

#include <QList>
#include <QObject>
#include <QString>

#include <memory>

// The index catalogs the app knows: the bundled sample, imported records files and indices fetched from
// Algolia. One catalog per index name (a newer one replaces the older). Shared, read-only catalogs go to
// the composer, the endpoint (objectID warning) and the debugger panel.
class CatalogSet final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(CatalogSet)

public:
    explicit CatalogSet(QObject* parent = nullptr);
    ~CatalogSet() override;

    // The resource path of the bundled sample index (`movies`), compiled into the executable.
    static QString samplePath();
    static QString sampleIndexName();
    // Loads the bundled sample and adds it. Returns the error, empty on success.
    QString loadSample();
    // Loads a records file (JSON array, {"hits":[…]} or NDJSON) as index `indexName` and adds it.
    IndexCatalog::LoadResult importFile(const QString& path, const QString& indexName);

    void add(IndexCatalog catalog);
    bool remove(const QString& indexName);
    QList<std::shared_ptr<const IndexCatalog>> catalogs() const { return m_catalogs; }
    std::shared_ptr<const IndexCatalog> find(const QString& indexName) const;
    QStringList indexNames() const;

Q_SIGNALS:
    void changed();

private:
    QList<std::shared_ptr<const IndexCatalog>> m_catalogs;
};
