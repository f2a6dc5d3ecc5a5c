#pragma once

#include <QLabel>

// A one-line label that draws its text elided to its width ("…") while text() stays whole: the composer's
// issue lines keep one line each (no field moves when issues come and go) and the whole text is still what
// the label holds, for the tooltip, accessibility and tests.
class ElidedLabel final : public QLabel
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(ElidedLabel)

public:
    explicit ElidedLabel(QWidget* parent = nullptr);
    ~ElidedLabel() override;

    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void changeEvent(QEvent* event) override;
};
