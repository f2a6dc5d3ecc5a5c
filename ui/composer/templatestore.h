#pragma once

#include <QByteArray>
#include <QMap>
#include <QString>
#include <QStringList>

// Named event templates, kept as the events' JSON in one file of the data folder (written atomically).
class TemplateStore final
{
public:
    explicit TemplateStore(QString filePath);

    QStringList names() const { return m_templates.keys(); }
    QByteArray json(const QString& name) const { return m_templates.value(name); }
    bool save(const QString& name, const QByteArray& eventJson);
    bool remove(const QString& name);
    QString lastError() const { return m_lastError; }
    // What was wrong with the file when it was read: it could not be parsed (and was kept aside as
    // `name.broken-<time>`), or could not be read (and is then never saved over). Empty when fine.
    QString loadProblem() const { return m_loadProblem; }

private:
    void load();
    bool write();

    QString m_filePath;
    QMap<QString, QByteArray> m_templates;
    QString m_lastError;
    QString m_loadProblem;
    bool m_saveRefused = false;
};
