#pragma once

#include <QSettings>
#include <QString>
#include <QVariant>

#include <type_traits>
#include <utility>

// One typed setting, declared once with its key and default (Tiled's Preference<T>): readers never repeat
// the key or the default, and a missing or unreadable value falls back to the default.
template <typename T>
class Preference
{
public:
    Preference(QSettings* settings, QString key, T defaultValue)
        : m_settings(settings)
        , m_key(std::move(key))
        , m_default(std::move(defaultValue))
    {}

    T value() const
    {
        const QVariant stored = m_settings->value(m_key);
        if (!stored.isValid() || !stored.canConvert<T>())
            return m_default;
        if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
            // INI files store numbers as text: a hand-edited "abc" must not silently become 0.
            bool ok = false;
            const qlonglong number = stored.toLongLong(&ok);
            return ok ? static_cast<T>(number) : m_default;
        } else {
            return stored.value<T>();
        }
    }
    operator T() const { return value(); }

    void setValue(const T& value)
    {
        if (value == m_default)
            m_settings->remove(m_key); // keeps the file short and lets a new default apply
        else
            m_settings->setValue(m_key, QVariant::fromValue(value));
    }
    void reset() { m_settings->remove(m_key); }
    bool isSet() const { return m_settings->contains(m_key); }

    const QString& key() const { return m_key; }
    const T& defaultValue() const { return m_default; }

private:
    QSettings* m_settings;
    QString m_key;
    T m_default;
};
