import type { Messages } from './en.js'

/** 한국어. Keys mirror en.ts exactly (the type checker enforces it). */
export const ko: Messages = {
  app: { title: 'Swarmdrop', tagline: 'P2P 파일 공유', yourId: '내 피어 ID', copyId: '피어 ID 복사', offline: 'Swarmdrop과의 연결이 끊겼습니다. 다시 연결하는 중…', restartNeeded: '일부 설정은 다시 시작한 뒤 적용됩니다.' },
  nav: { label: '섹션', transfers: '전송', peers: '피어', feed: '스웜 소식', settings: '설정' },
  theme: { label: '테마', system: '시스템', light: '밝게', dark: '어둡게' },
  language: { label: '언어' },
  drop: {
    region: '공유할 파일을 끌어다 놓기',
    title: '공유할 파일이나 폴더를 여기에 끌어다 놓으세요',
    hint: '이 컴퓨터에서 해시를 계산한 뒤, 링크를 가진 사람은 누구나 나와 다른 피어들에게서 내려받을 수 있습니다.',
    chooseFiles: '파일 선택…',
    chooseFolder: '폴더 선택…',
    uploading: '{{name}} 준비 중: {{percent}}%',
    hashing: '{{name}} 해시 계산 중: {{percent}}%',
    failed: '공유하지 못했습니다: {{message}}'
  },
  shares: {
    title: '내 공유',
    empty: '아직 공유한 것이 없습니다. 위에 파일을 끌어다 놓고 링크를 친구에게 보내세요.',
    link: '공유 링크',
    copy: '링크 복사',
    copied: '복사됨',
    qr: '{{name}} 링크의 QR 코드',
    stop: '공유 중지',
    summary_one: '{{size}} · 파일 {{count}}개',
    summary_other: '{{size}} · 파일 {{count}}개'
  },
  join: {
    label: '피어 ID 또는 링크',
    placeholder: 'swarmdrop:// 링크, 콘텐츠 ID 또는 피어 ID를 붙여 넣으세요',
    go: '이동',
    hint: '링크는 다운로드를 시작하고, 피어 ID는 그 피어가 공유하는 것을 보여줍니다.',
    browsing: '{{peer}} 찾는 중…',
    catalogTitle: '{{peer}}의 공유',
    catalogEmpty: '이 피어는 지금 공유하는 것이 없습니다.',
    download: '내려받기',
    close: '닫기'
  },
  downloads: {
    title: '다운로드',
    empty: '아직 다운로드가 없습니다. 위쪽 상자에 링크를 붙여 넣어 시작하세요.',
    state: { connecting: '연결 중', checking: '확인 중', downloading: '내려받는 중', paused: '일시 정지', seeding: '완료 · 시딩 중', failed: '실패' },
    progress: '{{name}} 진행률',
    eta: '{{time}} 남음',
    peers_one: '피어 {{count}}명',
    peers_other: '피어 {{count}}명',
    pause: '일시 정지',
    resume: '계속',
    retry: '다시 시도',
    cancel: '취소',
    remove: '목록에서 제거',
    open: '열기',
    show: '폴더에서 보기',
    pieceMap: '{{name}} 조각 지도: 전체 {{total}}개 중 {{have}}개',
    pieces: '조각',
    sources: '받은 곳',
    path: { direct: '직접', relay: '릴레이', hub: '허브' },
    routes: '경로',
    route: { direct: '나 — 피어 (직접)', relay: '나 — 릴레이 — 피어', hub: '나 — 허브 (저장소)' }
  },
  peers: {
    title: '연결된 피어',
    empty: '아직 아무와도 연결되지 않았습니다. 공유하거나 내려받으면 피어가 여기에 나타납니다.',
    id: '피어 ID',
    addrs: '주소',
    route: '경로',
    direct: '직접',
    relayed: '릴레이',
    latency: '지연 시간',
    received: '받음',
    sent: '보냄',
    inbound: '상대가 연결',
    outbound: '내가 연결'
  },
  chart: { title: '전송 속도', up: '업로드', down: '다운로드', time: '시간', secondsAgo: '{{s}}초', label: '최근 2분 전송 속도: 다운로드 {{down}}, 업로드 {{up}}' },
  feed: {
    title: '스웜 소식',
    empty: '아직 없습니다. 스웜 구성원이 참여와 공유를 여기에 알립니다.',
    presence: '{{from}} 참여 (조각 {{total}}개 중 {{have}}개)',
    presenceSeed: '{{from}} 시딩 중',
    share: '{{from}}이(가) "{{name}}" 공유 ({{size}})',
    progress: '{{from}} 진행률 {{percent}}%'
  },
  settings: {
    title: '설정',
    downloadDir: '다운로드 폴더',
    listenPort: '수신 포트 (0 = 빈 포트 자동 선택)',
    upLimit: '업로드 제한 (초당 바이트, 0 = 없음)',
    downLimit: '다운로드 제한 (초당 바이트, 0 = 없음)',
    publicDht: '공개 IPFS DHT도 사용 (인터넷 전체에서 콘텐츠 찾기)',
    hubAddr: '허브 주소 (/p2p/…로 끝나는 multiaddr)',
    save: '저장',
    saved: '저장됨',
    bans: '차단된 피어',
    noBans: '차단된 피어가 없습니다.'
  },
  notify: { finished: '{{name}} 내려받기 완료', dismiss: '닫기' },
  errors: { generic: '문제가 생겼습니다: {{message}}' }
}
