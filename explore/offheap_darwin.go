package explore

const rssUnit = 1 // macOS reports ru_maxrss in bytes
