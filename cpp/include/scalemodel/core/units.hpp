// Calendar constants shared by every domain, so that "per year" means one thing across the
// engine and the Python layer (which reads them from the compiled module). A year is 365
// days, as in the usual nines tables (99.9% = 8.76 hours a year) and in back-of-envelope
// storage arithmetic; a month is 30 days, as cloud price sheets bill.
#pragma once

namespace scalemodel {

inline constexpr double kSecondsPerDay = 86400.0;
inline constexpr double kDaysPerYear = 365.0;
inline constexpr double kSecondsPerYear = kDaysPerYear * kSecondsPerDay;
inline constexpr double kSecondsPerMonth = 30.0 * kSecondsPerDay;

}  // namespace scalemodel
