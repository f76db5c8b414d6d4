package explore

const rssUnit = 1024 // Linux reports ru_maxrss in KiB
