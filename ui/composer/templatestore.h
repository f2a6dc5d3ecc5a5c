#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

// Named event templates, kept as the events' JSON in one file of the data folder.
class TemplateStore final
{
public:
    explicit TemplateStore(QString filePath);

    QStringList names() const { return m_templates.keys(); }
    QByteArray json(const QString& name) const { return m_templates.value(name); }
    bool save(const QString& name, const QByteArray& eventJson);
    bool remove(const QString& name);
    QString lastError() const { return m_lastError; }

private:
    void load();
    bool write();

    QString m_filePath;
    QMap<QString, QByteArray> m_templates;
    QString m_lastError;
};
